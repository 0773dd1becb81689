import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { compareWindows } from '../faults/compareWindows.js';
import { consumeAll, type ConsumedRecord } from './consumeAll.js';
import { referenceWindows } from './referenceWindows.js';
import { runCli } from './runCli.js';

const COUNT = 12_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Writes line protocol (lines without a time) to a bucket, each stamped 2025-01-01T00:00:00Z. */
async function writeAtNewYear(bucket: InfluxTestBucket, lines: readonly string[]): Promise<void> {
  const { url, org, token } = bucket.target;
  const atNs = `${Date.UTC(2025, 0, 1)}000000`;
  const response = await fetch(`${url}/api/v2/write?org=${encodeURIComponent(org)}&bucket=${encodeURIComponent(bucket.target.bucket)}&precision=ns`, {
    method: 'POST',
    headers: { Authorization: `Token ${token}` },
    body: lines.map((line) => `${line} ${atNs}`).join('\n'),
  });
  assert.equal(response.status, 204, await response.text());
}

/**
 * The safe way to change a job: the live job wrote one bucket; the changed job (here its
 * out-of-orderness, 5 s → 8 s) is backfilled over the same range of the topic into another, and
 * `clickflow diff` must find exactly the windows an independent reference says changed.
 */
describe('backfill a changed job into a shadow bucket, then diff it against the live one', () => {
  let topic: string;
  let produced: ConsumedRecord[];
  let producedFromMs: number;
  let producedToMs: number;
  const buckets: InfluxTestBucket[] = [];

  before(async () => {
    const { brokers } = serviceEnv();
    topic = uniqueName('backfill');
    producedFromMs = Date.now() - 1_000;
    const result = await runCli([
      'produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', '--seed', '11', '--count', String(COUNT),
      '--urls', '40', '--late', '0.03:7s', '--out-of-order', '400ms', '--error-rate', '0.1',
    ]);
    assert.equal(result.code, 0, result.stderr);
    producedToMs = Date.now() + 1_000;
    produced = await consumeAll(brokers, topic, COUNT);
  });
  after(async () => {
    await Promise.all(buckets.map((bucket) => bucket.drop()));
  });

  test('the diff lists exactly the windows whose content the change altered, and exits 1; equal buckets exit 0', async () => {
    const [live, shadow] = [await InfluxTestBucket.create('live'), await InfluxTestBucket.create('shadow')];
    buckets.push(live, shadow);
    const env = { KAFKA_BROKERS: serviceEnv().brokers, ...live.env() };
    const job = ['error-rates', '--topic', topic, '--to', 'influx', '--window', '10s', '-q'];

    const liveRun = await runCli(['run', ...job, '--from', 'kafka', '--bounded', '--group', uniqueName('live'), '--max-out-of-orderness', '5s'], env);
    assert.equal(liveRun.code, 0, liveRun.stderr);

    // Never the live bucket: the one INFLUX_BUCKET names is refused, and so is none given.
    const range = ['--from-time', iso(producedFromMs), '--to-time', iso(producedToMs)];
    const intoLive = await runCli(['backfill', ...job, ...range], env);
    assert.equal(intoLive.code, 2, intoLive.stderr);
    assert.match(intoLive.stderr, /--influx-bucket: a backfill writes to a shadow bucket, never the live one/);
    // The write API takes a bucket's ID too: the live bucket by its ID is refused as well.
    const intoLiveById = await runCli(['backfill', ...job, ...range, '--influx-bucket', live.id], env);
    assert.equal(intoLiveById.code, 2, intoLiveById.stderr);
    assert.match(intoLiveById.stderr, new RegExp(`never the live one .*"${live.id}" names the same bucket`));
    const intoLiveByUpperCaseId = await runCli(['backfill', ...job, ...range, '--influx-bucket', live.id.toUpperCase()], env);
    assert.equal(intoLiveByUpperCaseId.code, 2, intoLiveByUpperCaseId.stderr);
    // INFLUX_BUCKET may name the live bucket by its ID too.
    const liveById = await runCli(['backfill', ...job, ...range, '--influx-bucket', live.target.bucket], { ...env, INFLUX_BUCKET: live.id });
    assert.equal(liveById.code, 2, liveById.stderr);
    assert.match(liveById.stderr, /never the live one .*names the same bucket/);
    // An ID that cannot be looked up (a token that may not read buckets) is refused: the check could not be made.
    const unknownToken = await runCli(['backfill', ...job, ...range, '--influx-bucket', live.id, '--influx-token', 'not-a-token'], env);
    assert.equal(unknownToken.code, 2, unknownToken.stderr);
    assert.match(unknownToken.stderr, /looks like a bucket ID, and InfluxDB at .* could not say which bucket it is \(HTTP 401/);
    assert.doesNotMatch(unknownToken.stderr + liveById.stderr, /to resume/, 'refused before it ran: nothing to resume');

    const backfill = await runCli(['backfill', ...job, ...range, '--influx-bucket', shadow.target.bucket, '--max-out-of-orderness', '8s'], env);
    assert.equal(backfill.code, 0, backfill.stderr);

    const all = ['--from-time', '2000-01-01T00:00:00Z', '--to-time', '2100-01-01T00:00:00Z'];
    const diff = await runCli(['diff', '--bucket', live.target.bucket, '--against', shadow.target.bucket, ...all, '--json'], env);
    assert.equal(diff.code, 1, diff.stderr);
    const report = JSON.parse(diff.stdout) as { equal: number; differing: { window: string }[]; onlyInA: string[]; onlyInB: string[] };
    // Each point names its window: `measurement,partition=<p>,… <time>`.
    const windowOf = (point: string) => `${/,partition=(\d+)/.exec(point)![1]}|${Date.parse(point.slice(point.lastIndexOf(' ') + 1))}`;
    const found = new Set([...report.differing.map((d) => d.window), ...report.onlyInA, ...report.onlyInB].map(windowOf));

    const before5s = referenceWindows(produced, { windowMs: 10_000, maxOutOfOrdernessMs: 5_000, bounded: true });
    const after8s = referenceWindows(produced, { windowMs: 10_000, maxOutOfOrdernessMs: 8_000, bounded: true });
    const changed = compareWindows(before5s.windows, after8s.windows).mismatched;
    assert.ok(changed.length > 0 && changed.length < before5s.windows.size, `the change alters some windows, not all: ${changed.length} of ${before5s.windows.size}`);
    assert.deepEqual([...found].sort(), [...changed].sort());
    assert.ok(report.equal > 0, 'the windows the change left alone are equal');

    const table = await runCli(['diff', '--bucket', live.target.bucket, '--against', shadow.target.bucket, ...all], env);
    assert.equal(table.code, 1);
    assert.match(table.stdout, new RegExp(`windows equal\\s+${report.equal}\\n`));
    assert.match(table.stdout, /differing \(field: /);

    // The unchanged job backfilled: equal, window for window.
    const unchanged = await InfluxTestBucket.create('unchanged');
    buckets.push(unchanged);
    const again = await runCli(['backfill', ...job, ...range, '--influx-bucket', unchanged.target.bucket, '--max-out-of-orderness', '5s'], env);
    assert.equal(again.code, 0, again.stderr);
    const equal = await runCli(['diff', '--bucket', live.target.bucket, '--against', unchanged.target.bucket, ...all], env);
    assert.equal(equal.code, 0, equal.stdout + equal.stderr);
    assert.match(equal.stdout, new RegExp(`windows equal\\s+${report.equal + report.differing.length}\\n`));

    const same = await runCli(['diff', '--bucket', live.target.bucket, '--against', live.target.bucket, ...all], env);
    assert.equal(same.code, 2, 'one bucket against itself is refused');
    const self = await runCli(['diff', '--bucket', shadow.target.bucket, '--against', live.target.bucket, ...all, '--measurement', 'no_such_measurement'], env);
    assert.equal(self.code, 1, `nothing to compare is no evidence of equality: ${self.stdout}${self.stderr}`);
    assert.match(self.stderr, /neither bucket has a point in the range/);
    const missing = await runCli(['diff', '--bucket', 'no-such-bucket', '--against', live.target.bucket, ...all], env);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /could not be read for bucket "no-such-bucket"/);
  });

  test('a field that changed type (5i against 5) differs, and so do integers past 2^53 that a number would round together', async () => {
    const [a, b] = [await InfluxTestBucket.create('typed-a'), await InfluxTestBucket.create('typed-b')];
    buckets.push(a, b);
    await writeAtNewYear(a, ['counts,url=/a n=5i,big=9007199254740993i,rate=0.5,label="x"']);
    await writeAtNewYear(b, ['counts,url=/a n=5,big=9007199254740992i,rate=0.50,label="x"']);
    const range = ['--from-time', '2025-01-01T00:00:00Z', '--to-time', '2025-01-01T00:01:00Z'];
    const diff = await runCli(['diff', '--bucket', a.target.bucket, '--against', b.target.bucket, ...range], a.env());
    assert.equal(diff.code, 1, diff.stdout + diff.stderr);
    assert.match(diff.stdout, /big: 9007199254740993i \| 9007199254740992i/);
    assert.match(diff.stdout, /n: 5i \| 5\n/);
    assert.doesNotMatch(diff.stdout, /rate:|label:/, 'the same values, however Flux spells them, are equal');
  });

  test('tags named result or table, like the annotated CSV\'s own columns, still tell series apart', async () => {
    const [a, b] = [await InfluxTestBucket.create('tags-a'), await InfluxTestBucket.create('tags-b')];
    buckets.push(a, b);
    // Several series of one shape: Flux sends them as tables under one header.
    const shared = ['/a', '/b', '/c'].map((url) => `counts,result=same,table=t,url=${url} n=1i`);
    await writeAtNewYear(a, [...shared, 'counts,result=ok,table=t,url=/d n=2i']);
    await writeAtNewYear(b, [...shared, 'counts,result=bad,table=t,url=/d n=2i']);
    const range = ['--from-time', '2025-01-01T00:00:00Z', '--to-time', '2025-01-01T00:01:00Z'];
    const diff = await runCli(['diff', '--bucket', a.target.bucket, '--against', b.target.bucket, ...range, '--json'], a.env());
    assert.equal(diff.code, 1, diff.stdout + diff.stderr);
    const report = JSON.parse(diff.stdout) as { equal: number; differing: unknown[]; onlyInA: string[]; onlyInB: string[] };
    assert.equal(report.equal, 3, diff.stdout);
    assert.deepEqual(report.differing, []);
    assert.deepEqual(report.onlyInA, ['counts,result=ok,table=t,url=/d 2025-01-01T00:00:00Z']);
    assert.deepEqual(report.onlyInB, ['counts,result=bad,table=t,url=/d 2025-01-01T00:00:00Z']);
  });

  test('a backfill reads only the records of its time range', async () => {
    const { brokers } = serviceEnv();
    const markMs = Date.now();
    const more = await runCli(['produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', '--seed', '12', '--count', '300']);
    assert.equal(more.code, 0, more.stderr);
    const env = { KAFKA_BROKERS: brokers };
    const since = await runCli(['backfill', 'error-rates', '--topic', topic, '--to', 'none', '--from-time', iso(markMs), '--to-time', iso(Date.now() + 1_000)], env);
    assert.equal(since.code, 0, since.stderr);
    assert.match(since.stderr, /error-rates: 300 records in/);
    const first = await runCli(['backfill', 'error-rates', '--topic', topic, '--to', 'none', '--from-time', iso(producedFromMs), '--to-time', iso(markMs)], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, new RegExp(`error-rates: ${COUNT} records in`));
    const none = await runCli(['backfill', 'error-rates', '--topic', topic, '--to', 'none', '--from-time', iso(producedFromMs - 60_000), '--to-time', iso(producedFromMs - 30_000)], env);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stderr, /error-rates: 0 records in/);
    // Nothing committed, so Kafka never kept its group: nothing to delete, and nothing to warn about.
    assert.doesNotMatch(none.stderr, /could not delete/);
    assert.doesNotMatch(first.stderr + since.stderr, /could not delete/);

    // A job that moves records by key: the backfill of the whole range writes the sessions a run over the whole topic writes.
    const dir = mkdtempSync(join(tmpdir(), 'clickflow-backfill-'));
    try {
      const sessions = ['sessions', '--topic', topic, '--to', 'none', '--gap', '30s', '-q'];
      const whole = await runCli(['run', ...sessions, '--from', 'kafka', '--bounded', '--group', uniqueName('sessions'), '--output', `sessions=file:${join(dir, 'run.jsonl')}`], env);
      assert.equal(whole.code, 0, whole.stderr);
      const [fromTime, toTime] = [iso(producedFromMs), iso(Date.now() + 1_000)];
      const backfilled = await runCli(['backfill', ...sessions, '--from-time', fromTime, '--to-time', toTime, '--output', `sessions=file:${join(dir, 'backfill.jsonl')}`], env);
      assert.equal(backfilled.code, 0, backfilled.stderr);
      // Its own group and internal topics are deleted once it ends: nothing reads them again.
      const ownGroup = `clickflow-backfill-sessions-${fromTime}-${toTime}-`.replaceAll(':', '');
      const admin = new Kafka({ clientId: 'backfill-cleanup', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        assert.deepEqual((await admin.listTopics()).filter((name) => name.startsWith(ownGroup)), []);
        assert.deepEqual((await admin.listGroups()).groups.filter(({ groupId }) => groupId.startsWith(ownGroup)), []);
      } finally {
        await admin.disconnect();
      }
      assert.doesNotMatch(backfilled.stderr, /could not delete/);
      const lines = (name: string) => readFileSync(join(dir, name), 'utf8').split('\n').filter((line) => line !== '').sort();
      assert.ok(lines('run.jsonl').length > 100);
      assert.deepEqual(lines('backfill.jsonl'), lines('run.jsonl'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a group that committed a backfill over one time range is refused for another, and resumes over its own', async () => {
    const env = { KAFKA_BROKERS: serviceEnv().brokers };
    const group = uniqueName('ranged');
    const backfill = (toMs: number, to = 'none') =>
      runCli(['backfill', 'error-rates', '--topic', topic, '--to', to, '--group', group, '--from-time', iso(producedFromMs), '--to-time', iso(toMs)], env);
    const first = await backfill(producedToMs);
    assert.equal(first.code, 0, first.stderr);
    // Refused before any output opens: a file it names keeps what it held.
    const dir = mkdtempSync(join(tmpdir(), 'clickflow-ranged-'));
    try {
      const kept = join(dir, 'kept.lp');
      writeFileSync(kept, 'm v=1i 0\n');
      const other = await backfill(producedToMs + 60_000, `file:${kept}`);
      assert.equal(other.code, 2, other.stderr);
      assert.match(other.stderr, new RegExp(`--group: group "${group}" holds commits of a run over ${iso(producedFromMs)} to ${iso(producedToMs)}, and this run reads ${iso(producedFromMs)} to ${iso(producedToMs + 60_000)}`));
      assert.doesNotMatch(other.stderr, /to resume/, 'refused before it ran: nothing to resume');
      assert.equal(readFileSync(kept, 'utf8'), 'm v=1i 0\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const again = await backfill(producedToMs);
    assert.equal(again.code, 0, again.stderr);
  });
});
