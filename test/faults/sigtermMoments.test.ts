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
import { JobProcess, killAllJobs, summaryCount } from './JobProcess.js';
import { seededRandom } from './seededRandom.js';
import { topicSize } from './topicSize.js';

const SEED = 17;
/** The producer's rate while the job is stopped and restarted: the job always has records to read. */
const RATE = 20_000;
/** What the issue asks of a SIGTERM: flushed, committed and exited within this. */
const STOP_BOUND_MS = 10_000;
/** The producer's event clock is the wall clock: 1 s windows give dozens of them in the run. */
const WINDOWING = ['--window', '1s', '--max-out-of-orderness', '500ms'];

type Moment = { readonly name: string; readonly reach: (job: JobProcess) => Promise<void> };

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * SIGTERM at seeded moments of a run from Kafka into InfluxDB while a producer keeps sending,
 * each followed by a restart in the same group: every stop exits 0 within 10 s, and the final
 * contents equal a clean run's.
 */
describe('SIGTERM at any moment flushes, commits and exits 0 within 10 s, and loses nothing', () => {
  const buckets: InfluxTestBucket[] = [];
  let producer: ReturnType<typeof startCli> | undefined;

  after(async () => {
    killAllJobs();
    producer?.child.kill('SIGKILL');
    await Promise.all(buckets.map((b) => b.drop()));
  });

  test('SIGTERM during start-up, right after the assignment, during flushes and while reading; then a restart each time', async (t) => {
    const { brokers } = serviceEnv();
    const topic = uniqueName('sigterm-moments');
    const [stopped, clean] = [await InfluxTestBucket.create('sigterm-moments'), await InfluxTestBucket.create('sigterm-clean')];
    buckets.push(stopped, clean);
    const env = (bucket: InfluxTestBucket) => ({
      KAFKA_BROKERS: brokers,
      ...bucket.env(),
    });
    const args = (group: string) => ['run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', group, '--commit-interval', '1s', ...WINDOWING];
    const group = uniqueName('sigterm-moments');
    producer = startCli([
      'produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', '--seed', String(SEED), '--rate', String(RATE),
      '--urls', '100', '--late', '0.01:8s', '--out-of-order', '400ms', '--invalid', '0.01', '--error-rate', '0.1',
    ]);
    await waitFor(async () => (await topicSize(brokers, topic).catch(() => 0)) > RATE, { timeoutMs: 60_000, stepMs: 200, what: 'the producer to start' });

    const random = seededRandom(SEED);
    const moments: Moment[] = [
      // From the moment clickflow's first line has run: a signal during Node's own boot (about
      // 0.2 s, before any code of the process runs) ends it by the default action, having
      // opened nothing.
      ...[0, 1].map((): Moment => {
        const ms = Math.floor(random() * 1_500);
        return {
          name: `${ms} ms into start-up`,
          reach: async (job) => {
            await job.reached(/shutdown handlers installed/);
            await delay(ms);
          },
        };
      }),
      { name: 'right after the partitions are assigned', reach: (job) => job.reached(/partitions assigned/) },
      ...[0, 1].map((i): Moment => {
        // The n-th flush: the signal lands while its writes and commit are on their way.
        const flush = 2 + Math.floor(random() * 3);
        return {
          name: `during flush ${flush} (${i + 1})`,
          reach: (job) => job.reached(/flushing outputs/, flush),
        };
      }),
      ...[0, 1].map((): Moment => {
        const records = Math.floor((0.1 + random()) * RATE);
        return {
          name: `after ${records} records`,
          reach: async (job) => {
            await waitFor(async () => ((await job.metric('clickflow_records_in_total')) ?? 0) >= records, {
              timeoutMs: 120_000,
              stepMs: 20,
              what: `${records} records read`,
            });
          },
        };
      }),
    ];
    for (const moment of moments) {
      const job = new JobProcess(args(group), env(stopped));
      await moment.reach(job);
      assert.ok(job.alive, `the job ended before "${moment.name}":\n${job.stderr.slice(-2000)}`);
      const signalledMs = Date.now();
      job.kill('SIGTERM');
      const exit = await job.exited;
      const tookMs = Date.now() - signalledMs;
      t.diagnostic(`SIGTERM ${moment.name}: exit ${exit.code} after ${tookMs} ms, ${summaryCount(job.stderr, 'records in')} records in`);
      assert.equal(exit.code, 0, `SIGTERM ${moment.name}:\n${job.stderr.slice(-3000)}`);
      assert.ok(tookMs < STOP_BOUND_MS, `SIGTERM ${moment.name}: stopping took ${tookMs} ms`);
      assert.match(job.stderr, /error-rates: \d+ records in/, `SIGTERM ${moment.name}: the summary`);
    }

    producer.child.kill('SIGTERM');
    const producerResult = await producer.done;
    assert.equal(producerResult.code, 0, producerResult.stderr);
    const sent = await topicSize(brokers, topic);
    const produced = await consumeAll(brokers, topic, sent, 120_000);

    // A last run of the same group reads to the end; a clean run into its own bucket beside it.
    const [last, cleanRun] = [
      new JobProcess([...args(group), '--bounded'], env(stopped)),
      new JobProcess([...args(uniqueName('sigterm-clean')), '--bounded'], env(clean)),
    ];
    for (const job of [last, cleanRun]) assert.equal((await job.exited).code, 0, job.stderr.slice(-3000));

    const reference = referenceWindows(produced, { windowMs: 1_000, maxOutOfOrdernessMs: 500, bounded: true });
    const written = await readErrorRates(stopped);
    const againstClean = compareWindows(written, await readErrorRates(clean));
    const againstReference = compareWindows(written, reference.windows);
    reportFault({
      scenario: `SIGTERM x${moments.length} + restarts`,
      sent,
      counted: countedEvents(written),
      invalid: sent - reference.valid,
      late: reference.late,
      windowsCompared: againstClean.compared,
      mismatches: againstClean.mismatched.length + againstReference.mismatched.length,
    });
    assert.ok(reference.windows.size > 30, `windows: ${reference.windows.size}`);
    assert.deepEqual(againstClean.mismatched, [], 'windows that differ from the clean run');
    assert.deepEqual(againstReference.mismatched, [], 'windows that differ from the reference');
    assert.equal(countedEvents(written), reference.valid - reference.late);
  });
});
