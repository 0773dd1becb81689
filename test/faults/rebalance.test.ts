import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { consumeAll } from '../services/consumeAll.js';
import { readErrorRates } from '../services/readErrorRates.js';
import { referenceWindows } from '../services/referenceWindows.js';
import { startCli } from '../services/runCli.js';
import { compareWindows, countedEvents } from './compareWindows.js';
import { reportFault } from './faultReport.js';
import { JobProcess, killAllJobs } from './JobProcess.js';
import { topicSize } from './topicSize.js';

/** The producer's rate: both instances always have records to read. */
const RATE = 20_000;
/** Records each phase lasts: the second instance joins after the first has read this many, and leaves after reading as many. */
const PHASE_RECORDS = 40_000;
const WINDOWING = ['--window', '1s', '--max-out-of-orderness', '500ms'];

describe('a second instance joins the group mid-run and leaves again', () => {
  const buckets: InfluxTestBucket[] = [];
  let producer: ReturnType<typeof startCli> | undefined;

  after(async () => {
    killAllJobs();
    producer?.child.kill('SIGKILL');
    await Promise.all(buckets.map((b) => b.drop()));
  });

  test('both rebalances keep the windows exact: InfluxDB equals a clean run, and no invalid record is lost', async (t) => {
    const { brokers } = serviceEnv();
    const topic = uniqueName('rebalance');
    const [bucket, clean] = [await InfluxTestBucket.create('rebalance'), await InfluxTestBucket.create('rebalance-clean')];
    buckets.push(bucket, clean);
    const env = (b: InfluxTestBucket) => ({
      KAFKA_BROKERS: brokers,
      ...b.env(),
    });
    const group = uniqueName('rebalance');
    const args = (g: string, dlq: string) => [
      'run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', g, '--dead-letter', `kafka:${dlq}`,
      '--commit-interval', '1s', ...WINDOWING,
    ];
    producer = startCli([
      'produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', '--seed', '20', '--rate', String(RATE),
      '--urls', '200', '--late', '0.01:3s', '--out-of-order', '300ms', '--invalid', '0.01', '--error-rate', '0.1',
    ]);
    await waitFor(async () => (await topicSize(brokers, topic).catch(() => 0)) > 0, { timeoutMs: 60_000, stepMs: 200, what: 'the producer to start' });

    const records = (job: JobProcess) => job.metric('clickflow_records_in_total').then((n) => n ?? 0);
    const first = new JobProcess(args(group, `${topic}.dlq`), env(bucket));
    await waitFor(async () => (await records(first)) >= PHASE_RECORDS, { timeoutMs: 120_000, stepMs: 50, what: 'the first instance to read' });
    const second = new JobProcess(args(group, `${topic}.dlq`), env(bucket));
    // Joined: the group gave it some of the partitions, and it has read from them.
    await second.reached(/"partitions":\[\d[\d,]*\],"msg":"partitions assigned"/);
    await waitFor(async () => (await records(second)) >= PHASE_RECORDS, { timeoutMs: 120_000, stepMs: 50, what: 'the second instance to read' });
    second.kill('SIGTERM');
    assert.equal((await second.exited).code, 0, second.stderr.slice(-3000));
    // Left: the first instance has all the partitions again and reads on.
    await first.reached(/"partitions":\[0,1,2\],"msg":"partitions assigned"/, 2);
    const readByFirst = await records(first);
    await waitFor(async () => (await records(first)) >= readByFirst + PHASE_RECORDS, { timeoutMs: 120_000, stepMs: 50, what: 'the first instance to read on' });

    producer.child.kill('SIGTERM');
    assert.equal((await producer.done).code, 0);
    const sent = await topicSize(brokers, topic);
    first.kill('SIGTERM');
    assert.equal((await first.exited).code, 0, first.stderr.slice(-3000));
    // The group's last run reads to the end and fires the windows left open; a clean run beside it.
    const [last, cleanRun] = [
      new JobProcess([...args(group, `${topic}.dlq`), '--bounded'], env(bucket)),
      new JobProcess([...args(uniqueName('rebalance-clean'), `${topic}.clean.dlq`), '--bounded'], env(clean)),
    ];
    for (const job of [last, cleanRun]) assert.equal((await job.exited).code, 0, job.stderr.slice(-3000));
    t.diagnostic(`${sent} records; assignments of the first instance: ${[...first.stderr.matchAll(/"partitions":(\[[\d,]*\]),"msg":"partitions assigned"/g)].map((m) => m[1]).join(' → ')}`);

    const produced = await consumeAll(brokers, topic, sent, 120_000);
    const reference = referenceWindows(produced, { windowMs: 1_000, maxOutOfOrdernessMs: 500, bounded: true });
    const invalid = sent - reference.valid;
    const written = await readErrorRates(bucket);
    const againstClean = compareWindows(written, await readErrorRates(clean));
    const againstReference = compareWindows(written, reference.windows);
    const deadLetters = await topicSize(brokers, `${topic}.dlq`);
    reportFault({
      scenario: 'rebalance: 2nd instance joins + leaves',
      sent,
      counted: countedEvents(written),
      invalid: deadLetters,
      late: reference.late,
      windowsCompared: againstClean.compared,
      mismatches: againstClean.mismatched.length + againstReference.mismatched.length,
    });
    // Not asserted: the new owner of a partition re-reads it from the last commit, and what the
    // old owner dead-lettered since may go to the topic again (README, "Guarantees").
    t.diagnostic(`dead letters: ${deadLetters} for ${invalid} invalid records`);
    // Live event time: at least one 1 s window per second the producer ran (a fast machine
    // reads the phases in a few seconds, so no fixed count holds).
    assert.ok(reference.windows.size >= Math.floor(sent / RATE) && reference.windows.size > 3, `windows: ${reference.windows.size} for ${sent} records at ${RATE}/s`);
    assert.deepEqual(againstClean.mismatched, [], 'windows that differ from the clean run');
    assert.deepEqual(againstReference.mismatched, [], 'windows that differ from the reference');
    assert.equal(countedEvents(written), reference.valid - reference.late);
    assert.ok(deadLetters >= invalid, `every invalid record dead-lettered: ${deadLetters} of ${invalid}`);
  });
});
