import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { consumeAll, type ConsumedRecord } from '../services/consumeAll.js';
import { readErrorRates } from '../services/readErrorRates.js';
import { referenceWindows } from '../services/referenceWindows.js';
import { runCli } from '../services/runCli.js';
import { compareWindows, countedEvents } from './compareWindows.js';
import { reportFault } from './faultReport.js';
import { JobProcess, killAllJobs } from './JobProcess.js';
import { startOwnInfluxdb, type OwnInfluxdb } from './ownServices.js';

const EVENTS = 500_000;
const OUTAGE_MS = 60_000;
/**
 * 1 s windows over 2000 URLs make about 0.4 points per event, so the sink's buffer (100 000
 * lines) fills long before the topic is read: the job has to stop reading.
 */
const WINDOWING = ['--window', '1s', '--max-out-of-orderness', '500ms'];
/**
 * RSS the job may reach while InfluxDB is down: 100 000 buffered lines, a fetch or two (16 MiB
 * each at most), the open windows, and the heap V8 grew while the job read at full speed before
 * the buffer filled (about 300–350 MiB in all, measured on 2 cores). The sharper check is that
 * RSS stops growing once reading has paused.
 */
const RSS_BOUND_BYTES = 512 * 1024 * 1024;

describe('InfluxDB down for 60 s in the middle of a run', () => {
  let topic: string;
  let produced: ConsumedRecord[];
  let influx: OwnInfluxdb;
  let disposeInflux: (() => Promise<void>) | undefined;
  const buckets: InfluxTestBucket[] = [];

  before(async () => {
    const { brokers } = serviceEnv();
    topic = uniqueName('influx-outage');
    const result = await runCli([
      'produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', '--seed', '18', '--count', String(EVENTS),
      '--urls', '2000', '--late', '0.01:3s', '--out-of-order', '300ms', '--invalid', '0.01', '--error-rate', '0.1',
    ]);
    assert.equal(result.code, 0, result.stderr);
    produced = await consumeAll(brokers, topic, EVENTS, 120_000);
    ({ influx, dispose: disposeInflux } = await startOwnInfluxdb());
  });
  after(async () => {
    killAllJobs();
    await Promise.all(buckets.map((b) => b.drop().catch(() => undefined)));
    await disposeInflux?.();
  });

  test('the job keeps running, stops reading once its buffer is full (bounded RSS), retries with backoff, resumes, and writes what a clean run writes', async (t) => {
    const { brokers } = serviceEnv();
    const bucket = await InfluxTestBucket.create('outage', { influxUrl: influx.url, influxOrg: influx.org, influxToken: influx.token });
    const clean = await InfluxTestBucket.create('outage-clean');
    buckets.push(bucket, clean);
    const args = (group: string) => ['run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', group, '--bounded', '--commit-interval', '1s', ...WINDOWING];
    const env = (b: InfluxTestBucket) => ({
      KAFKA_BROKERS: brokers,
      ...b.env(),
    });
    const job = new JobProcess(args(uniqueName('outage')), env(bucket));
    // Down once the job writes: the first points are in, most of the topic is still to read.
    await waitFor(async () => ((await job.metric('clickflow_points_out_total')) ?? 0) > 0, { timeoutMs: 90_000, stepMs: 20, what: 'the first points' });
    await influx.stop();
    const downAtMs = Date.now();
    const recordsAtStop = (await job.metric('clickflow_records_in_total')) ?? 0;
    t.diagnostic(`InfluxDB stopped after ${recordsAtStop} records read`);

    const samples: { atMs: number; records: number; rssBytes: number }[] = [];
    while (Date.now() - downAtMs < OUTAGE_MS) {
      assert.ok(job.alive, `the job ended while InfluxDB was down:\n${job.stderr.slice(-3000)}`);
      const records = await job.metric('clickflow_records_in_total');
      const rssBytes = job.rssBytes();
      if (records !== undefined && rssBytes !== undefined) samples.push({ atMs: Date.now() - downAtMs, records, rssBytes });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const retriesWhileDown = (await job.metric('clickflow_sink_retries_total')) ?? 0;
    await influx.restart();
    const firstHalf = samples.filter((s) => s.atMs < OUTAGE_MS / 2);
    const secondHalf = samples.filter((s) => s.atMs >= OUTAGE_MS / 2);
    const maxRss = (of: typeof samples) => Math.max(...of.map((s) => s.rssBytes));
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    t.diagnostic(
      `InfluxDB back after ${Date.now() - downAtMs} ms; reading paused at ${secondHalf[0]?.records} records; ` +
        `max RSS ${mib(maxRss(firstHalf))} in the first half of the outage, ${mib(maxRss(secondHalf))} in the second`,
    );

    const exit = await job.exited;
    assert.equal(exit.code, 0, job.stderr.slice(-3000));
    const cleanRun = new JobProcess(args(uniqueName('outage-clean')), env(clean));
    assert.equal((await cleanRun.exited).code, 0, cleanRun.stderr.slice(-3000));

    const reference = referenceWindows(produced, { windowMs: 1_000, maxOutOfOrdernessMs: 500, bounded: true });
    const written = await readErrorRates(bucket);
    const againstClean = compareWindows(written, await readErrorRates(clean));
    const againstReference = compareWindows(written, reference.windows);
    reportFault({
      scenario: 'InfluxDB down 60 s',
      sent: EVENTS,
      counted: countedEvents(written),
      invalid: EVENTS - reference.valid,
      late: reference.late,
      windowsCompared: againstClean.compared,
      mismatches: againstClean.mismatched.length + againstReference.mismatched.length,
    });

    // Reading stopped: over the second half of the outage the job read nothing more, and it
    // had not read the whole topic.
    assert.ok(firstHalf.length > 10 && secondHalf.length > 10, `samples: ${firstHalf.length} + ${secondHalf.length}`);
    const pausedAt = secondHalf[0]!.records;
    assert.ok(secondHalf.every((s) => s.records === pausedAt), `records read while paused: ${secondHalf.map((s) => s.records).join(' ')}`);
    assert.ok(pausedAt < EVENTS * 0.9, `the job read ${pausedAt} of ${EVENTS} records while InfluxDB was down: it did not pause`);
    // Memory stays bounded: under the bound, and no growth once paused (32 MiB for the garbage of retries).
    assert.ok(maxRss(samples) < RSS_BOUND_BYTES, `RSS reached ${mib(maxRss(samples))} while InfluxDB was down`);
    assert.ok(maxRss(secondHalf) <= maxRss(firstHalf) + 32 * 2 ** 20, `RSS grew while paused: ${mib(maxRss(firstHalf))} → ${mib(maxRss(secondHalf))}`);
    // Retried, with growing delays, and went on once InfluxDB was back.
    assert.ok(retriesWhileDown >= 3, `retries while down: ${retriesWhileDown}`);
    const delays = [...job.stderr.matchAll(/retrying in (\d+) ms/g)].map((m) => Number(m[1]));
    assert.ok(delays.length >= 3 && delays.at(-1)! > delays[0]! * 4, `retry delays: ${delays.join(' ')}`);
    assert.ok(reference.windows.size > 300, `windows: ${reference.windows.size}`);
    assert.deepEqual(againstClean.mismatched, [], 'windows that differ from the clean run');
    assert.deepEqual(againstReference.mismatched, [], 'windows that differ from the reference');
    assert.equal(countedEvents(written), reference.valid - reference.late);
  });
});
