import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { consumeAll, type ConsumedRecord } from './consumeAll.js';
import { comparable, readErrorRates } from './readErrorRates.js';
import { pointsOf, referenceWindows } from './referenceWindows.js';
import { runCli, startCli } from './runCli.js';

const COUNT = 6_000;
const WINDOW = { windowMs: 1_000, maxOutOfOrdernessMs: 500 };
const JOB_ARGS = ['--window', '1s', '--max-out-of-orderness', '500ms'];

describe('error-rates from a real Kafka topic into a real InfluxDB', () => {
  let topic: string;
  let produced: ConsumedRecord[];

  before(async () => {
    const { brokers } = serviceEnv();
    topic = uniqueName('clicks');
    const result = await runCli([
      'produce', '--brokers', brokers, '--topic', topic, '--partitions', '3',
      '--seed', '5', '--count', String(COUNT), '--urls', '60',
      '--late', '0.03:6s', '--out-of-order', '400ms', '--invalid', '0.02', '--error-rate', '0.1',
    ]);
    assert.equal(result.code, 0, result.stderr);
    produced = await consumeAll(brokers, topic, COUNT);
  });

  const env = (bucket: InfluxTestBucket) => ({
    KAFKA_BROKERS: serviceEnv().brokers,
    ...bucket.env(),
  });

  test('--bounded writes exactly the reference windows of every partition and dead-letters the invalid records', async () => {
    const bucket = await InfluxTestBucket.create('bounded');
    try {
      const group = uniqueName('bounded');
      const result = await runCli(['run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', group, '--bounded', ...JOB_ARGS], env(bucket));
      assert.equal(result.code, 0, result.stderr);
      const reference = referenceWindows(produced, { ...WINDOW, bounded: true });
      assert.ok(reference.late > 50, `the data set should have late records, has ${reference.late}`);
      assert.ok(reference.windows.size > 15, `expected many windows, got ${reference.windows.size}`);
      const written = await readErrorRates(bucket);
      assert.deepEqual(comparable(written), comparable(reference.windows));
      for (const [key, w] of written) {
        assert.ok(Math.abs(w.rate - (w.clientErrors + w.serverErrors) / w.total) < 1e-12, `rate of ${key}`);
      }
      assert.match(result.stderr, new RegExp(`${COUNT} records in`));
      assert.doesNotMatch(result.stderr, /still open/, 'every client is closed at the end');
      assert.match(result.stderr, new RegExp(`${reference.late} late`));

      const invalid = COUNT - reference.valid;
      assert.ok(invalid > 50, `the data set should have invalid records, has ${invalid}`);
      const dead = await consumeAll(serviceEnv().brokers, `${topic}.dlq`, invalid);
      assert.equal(dead.length, invalid, 'valid + dead-lettered = produced');
      const byPosition = new Map(produced.map((r) => [`${r.partition}/${r.offset}`, r]));
      for (const d of dead) {
        const original = byPosition.get(`${d.headers['source.partition']}/${d.headers['source.offset']}`);
        assert.ok(original !== undefined, 'the headers point at the original record');
        assert.equal(d.value, original.value, 'the original bytes are kept');
        assert.match(d.headers.reason!, /^(not_json|missing_field|wrong_type|status_out_of_range|bad_timestamp)$/);
        assert.ok(d.headers.detail!.length > 0);
      }
      // A second bounded run of the same group resumes after the committed offsets: nothing is left.
      const again = await runCli(['run', 'error-rates', '--from', 'kafka', '--to', 'stdout', '--topic', topic, '--group', group, '--bounded', ...JOB_ARGS], env(bucket));
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, '');
      assert.match(again.stderr, / 0 records in/);
    } finally {
      await bucket.drop();
    }
  });

  test('a running job, and two instances in one group, write exactly the fired reference windows and stop cleanly on SIGTERM', async () => {
    const reference = comparable(referenceWindows(produced, { ...WINDOW, bounded: false }).windows);
    for (const instances of [1, 2]) {
      const bucket = await InfluxTestBucket.create(`running${instances}`);
      try {
        const group = uniqueName('running');
        const runs = Array.from({ length: instances }, () =>
          startCli(['run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', group, ...JOB_ARGS], env(bucket)),
        );
        try {
          await waitFor(async () => JSON.stringify(comparable(await readErrorRates(bucket))) === JSON.stringify(reference), {
            timeoutMs: 90_000,
            stepMs: 500,
            what: `${instances} instance(s) to write the reference windows`,
          });
        } finally {
          for (const run of runs) run.child.kill('SIGTERM');
        }
        const results = await Promise.all(runs.map((r) => r.done));
        for (const result of results) assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(comparable(await readErrorRates(bucket)), reference);
        if (instances === 2) {
          const records = results.map((r) => Number(/(\d+) records in/.exec(r.stderr)?.[1]));
          assert.ok(records.reduce((a, b) => a + b, 0) >= COUNT, `the instances read ${records} records between them`);
        }
      } finally {
        await bucket.drop();
      }
    }
  });

  test('a job stopped mid-stream and restarted writes each fired window exactly once, and dead-letters each invalid record once', async () => {
    const { brokers } = serviceEnv();
    const restartTopic = uniqueName('restart');
    const dlq = uniqueName('restart-dlq');
    const half = (seed: string, startTime: string) =>
      runCli([
        'produce', '--brokers', brokers, '--topic', restartTopic, '--partitions', '3', '--seed', seed, '--count', String(COUNT / 2),
        '--start-time', startTime, '--urls', '60', '--late', '0.03:6s', '--out-of-order', '400ms', '--invalid', '0.02', '--error-rate', '0.1',
      ]);
    const bucket = await InfluxTestBucket.create('restart');
    try {
      assert.equal((await half('7', '2025-01-01T00:00:00Z')).code, 0);
      const group = uniqueName('restart');
      const args = ['run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', restartTopic, '--group', group, '--dead-letter', `kafka:${dlq}`, ...JOB_ARGS];
      const firstHalf = await consumeAll(brokers, restartTopic, COUNT / 2);
      const firstReference = comparable(referenceWindows(firstHalf, { ...WINDOW, bounded: false }).windows);
      const first = startCli(args, env(bucket));
      await waitFor(async () => JSON.stringify(comparable(await readErrorRates(bucket))) === JSON.stringify(firstReference), {
        timeoutMs: 60_000, stepMs: 300, what: 'the first run to write the windows of the first half',
      });
      first.child.kill('SIGTERM');
      const firstResult = await first.done;
      assert.equal(firstResult.code, 0, firstResult.stderr);

      // The second half continues the event clock: windows left open by the first run now fire.
      assert.equal((await half('8', '2025-01-01T00:00:03Z')).code, 0);
      const all = await consumeAll(brokers, restartTopic, COUNT);
      const reference = referenceWindows(all, { ...WINDOW, bounded: false });
      const second = startCli(args, env(bucket));
      await waitFor(async () => JSON.stringify(comparable(await readErrorRates(bucket))) === JSON.stringify(comparable(reference.windows)), {
        timeoutMs: 60_000, stepMs: 300, what: 'the restarted run to write every fired window',
      });
      second.child.kill('SIGTERM');
      const secondResult = await second.done;
      assert.equal(secondResult.code, 0, secondResult.stderr);

      // Each point written once across both runs: nothing re-fired after the restart, nothing skipped.
      let expectedPoints = 0;
      for (const w of reference.windows.values()) expectedPoints += pointsOf(w);
      const pointsOut = (r: { stderr: string }) => Number(/(\d+) points out/.exec(r.stderr)?.[1]);
      assert.equal(pointsOut(firstResult) + pointsOut(secondResult), expectedPoints);
      const invalid = COUNT - reference.valid;
      const dead = await consumeAll(brokers, dlq, invalid);
      assert.equal(dead.length, invalid);
      assert.equal(new Set(dead.map((d) => `${d.headers['source.partition']}/${d.headers['source.offset']}`)).size, invalid, 'no record dead-lettered twice');
    } finally {
      await bucket.drop();
    }
  });

  test('a URL with spaces, commas, equals signs, backslashes and non-ASCII letters round-trips exactly', async () => {
    const { brokers } = serviceEnv();
    const oddTopic = uniqueName('odd');
    const kafka = new Kafka({ clientId: 'test', brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: oddTopic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const urls = ['search results/a b', 'a,b=c', 'C:\\path\\file', 'straße/çà/日本', 'x = y, z'];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: oddTopic,
      messages: urls.map((url, i) => ({
        key: url,
        value: JSON.stringify({ user_id: 'u', url, http_status: 200 + i, event_timestamp: 1_700_000_000 + i / 10 }),
      })),
    });
    await producer.disconnect();
    const bucket = await InfluxTestBucket.create('odd');
    try {
      const result = await runCli(['run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', oddTopic, '--group', uniqueName('odd'), '--bounded'], env(bucket));
      assert.equal(result.code, 0, result.stderr);
      const rows = await bucket.query<{ url: string; _value: number }>('|> range(start: 0) |> filter(fn: (r) => r._measurement == "url_counts")');
      assert.deepEqual(rows.map((r) => r.url).sort(), [...urls].sort());
      assert.ok(rows.every((r) => r._value === 1));
    } finally {
      await bucket.drop();
    }
  });

  test('a topic that does not exist is named, with how to create it, and the run exits 2', async () => {
    for (const extra of [['--bounded'], []]) {
      const missing = uniqueName('missing');
      const result = await runCli(['run', 'error-rates', '--from', 'kafka', '--to', 'stdout', '--topic', missing, ...extra], { KAFKA_BROKERS: serviceEnv().brokers });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`topic "${missing}" does not exist.*clickflow produce --topic ${missing}`));
      assert.doesNotMatch(result.stderr, /still open/);
    }
  });

  test('a bucket that does not exist stops the job in seconds, not after the 5-minute retry budget, and says what to fix', async () => {
    const bucket = await InfluxTestBucket.create('nobucket');
    const missing = `${bucket.target.bucket}-missing`;
    const startedMs = Date.now();
    const result = await runCli(
      ['run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', uniqueName('nobucket'), '--bounded', ...JOB_ARGS],
      { ...env(bucket), INFLUX_BUCKET: missing },
    ).finally(() => bucket.drop());
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`bucket "${missing}".*HTTP 404.*does not exist; create it or fix --influx-org / --influx-bucket`));
    // 20 s of retries (DEFAULTS.influx.notFoundRetryMs) plus reading the topic; the whole budget would be 5 min.
    assert.ok(Date.now() - startedMs < 150_000, `took ${Date.now() - startedMs} ms`);
  });

  test('a wrong InfluxDB token stops the job with a clear message that does not show the token', async () => {
    const bucket = await InfluxTestBucket.create('badtoken');
    try {
      const secret = 'not-the-token-123';
      const result = await runCli(
        ['run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', uniqueName('badtoken'), '--bounded', ...JOB_ARGS],
        { ...env(bucket), INFLUX_TOKEN: secret },
      );
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /HTTP 401.*check --influx-token/);
      assert.doesNotMatch(result.stderr, /still open/, 'every client is closed after the failure');
      assert.doesNotMatch(result.stderr + result.stdout, new RegExp(secret));
    } finally {
      await bucket.drop();
    }
  });

});
