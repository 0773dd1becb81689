import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { consumeAll, type ConsumedRecord } from '../services/consumeAll.js';
import { readErrorRates } from '../services/readErrorRates.js';
import { referenceWindows } from '../services/referenceWindows.js';
import { runCli } from '../services/runCli.js';
import { compareWindows, countedEvents } from './compareWindows.js';
import { reportFault } from './faultReport.js';
import { JobProcess, killAllJobs } from './JobProcess.js';
import { startOwnKafka, type OwnKafka } from './ownServices.js';
import { topicSize } from './topicSize.js';

const EVENTS = 400_000;
const OUTAGE_MS = 30_000;
const WINDOWING = ['--window', '1s', '--max-out-of-orderness', '500ms'];

describe('the Kafka broker stopped for 30 s in the middle of a run', () => {
  let kafka: OwnKafka;
  let disposeKafka: (() => Promise<void>) | undefined;
  let topic: string;
  let produced: ConsumedRecord[];
  const buckets: InfluxTestBucket[] = [];

  before(async () => {
    ({ kafka, dispose: disposeKafka } = await startOwnKafka());
    topic = uniqueName('broker-outage');
    const result = await runCli([
      'produce', '--brokers', kafka.brokers, '--topic', topic, '--partitions', '3', '--seed', '19', '--count', String(EVENTS),
      '--urls', '300', '--late', '0.01:3s', '--out-of-order', '300ms', '--invalid', '0.01', '--error-rate', '0.1',
    ]);
    assert.equal(result.code, 0, result.stderr);
    produced = await consumeAll(kafka.brokers, topic, EVENTS, 120_000);
  });
  after(async () => {
    killAllJobs();
    await Promise.all(buckets.map((b) => b.drop().catch(() => undefined)));
    await disposeKafka?.();
  });

  test('the job survives the outage, reconnects, and writes what a clean run writes; each invalid record is dead-lettered once', async (t) => {
    const [bucket, clean] = [await InfluxTestBucket.create('broker-outage'), await InfluxTestBucket.create('broker-outage-clean')];
    buckets.push(bucket, clean);
    const args = (group: string, dlq: string) => [
      'run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', group, '--dead-letter', `kafka:${dlq}`,
      '--bounded', '--commit-interval', '1s', ...WINDOWING,
    ];
    const env = (b: InfluxTestBucket) => ({
      KAFKA_BROKERS: kafka.brokers,
      ...b.env(),
    });
    const job = new JobProcess(args(uniqueName('outage'), `${topic}.outage.dlq`), env(bucket));
    // Down in the middle: the job has read some of the topic, most is left.
    await waitFor(async () => ((await job.metric('clickflow_records_in_total')) ?? 0) >= EVENTS * 0.05, { timeoutMs: 90_000, stepMs: 20, what: '5 % of the topic read' });
    await kafka.stop();
    const downAtMs = Date.now();
    const readAtStop = (await job.metric('clickflow_records_in_total')) ?? 0;
    while (Date.now() - downAtMs < OUTAGE_MS) {
      assert.ok(job.alive, `the job ended while the broker was down:\n${job.stderr.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await kafka.restart();
    t.diagnostic(`broker stopped after ${readAtStop} records read, back after ${Date.now() - downAtMs} ms`);

    const exit = await job.exited;
    assert.equal(exit.code, 0, job.stderr.slice(-4000));
    const cleanRun = new JobProcess(args(uniqueName('outage-clean'), `${topic}.clean.dlq`), env(clean));
    assert.equal((await cleanRun.exited).code, 0, cleanRun.stderr.slice(-3000));

    const reference = referenceWindows(produced, { windowMs: 1_000, maxOutOfOrdernessMs: 500, bounded: true });
    const invalid = EVENTS - reference.valid;
    const written = await readErrorRates(bucket);
    const againstClean = compareWindows(written, await readErrorRates(clean));
    const againstReference = compareWindows(written, reference.windows);
    const deadLetters = await topicSize(kafka.brokers, `${topic}.outage.dlq`);
    reportFault({
      scenario: 'Kafka broker down 30 s',
      sent: EVENTS,
      counted: countedEvents(written),
      invalid: deadLetters,
      late: reference.late,
      windowsCompared: againstClean.compared,
      mismatches: againstClean.mismatched.length + againstReference.mismatched.length + Math.abs(deadLetters - invalid),
    });
    assert.ok(readAtStop < EVENTS * 0.9, `the broker went down after ${readAtStop} of ${EVENTS} records: not mid-run`);
    assert.ok(reference.windows.size > 300, `windows: ${reference.windows.size}`);
    assert.deepEqual(againstClean.mismatched, [], 'windows that differ from the clean run');
    assert.deepEqual(againstReference.mismatched, [], 'windows that differ from the reference');
    assert.equal(countedEvents(written), reference.valid - reference.late);
    assert.equal(deadLetters, invalid, 'each invalid record dead-lettered once');
  });
});
