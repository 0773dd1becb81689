import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { sessionsJob } from '../../src/jobs/sessions/sessionsJob.js';
import type { RecordBatch } from '../../src/operators/RecordBatch.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { runPipeline } from '../unit/api/harness.js';
import { reportFault } from './faultReport.js';
import { JobProcess, killAllJobs } from './JobProcess.js';
import { killJobManagers, startJobManager } from '../jobManagerProcess.js';
import { seededRandom } from './seededRandom.js';

const PARTITIONS = 3;
const EVENTS_PER_PARTITION = 15_000;
const USERS = 400;
const KILLS = 6;
const GAP = '10s';
const T0_MS = Date.UTC(2025, 0, 1);
/** Far after every event: one record per partition at this time pushes every watermark past every real session. */
const CLOSE_MS = T0_MS + 6 * 3_600_000;
const CLOSE_USER = '__close__';

/**
 * The sessions job (keyBy user on a topic keyed by URL, three moves) from Kafka, where every
 * move goes through an internal topic: its sessions and points must equal the same job's in one
 * process over the same partitions, whatever the instances, restarts and kill -9s.
 */
describe('moves between partitions through Kafka internal topics', () => {
  let topic: string;
  let dir: string;
  /** What the job in one process writes up to the closing records' watermark (an unbounded run), and to the end (a bounded one). */
  let reference: { sessions: string[]; points: string[] };
  let bounded: { sessions: string[]; points: string[] };

  before(async () => {
    const { brokers } = serviceEnv();
    topic = uniqueName('moves');
    dir = mkdtempSync(join(tmpdir(), 'clickflow-moves-'));
    const byPartition = clickstream(11);
    await createTopicWith(brokers, topic, byPartition);
    // The same job in one process over the same partitions, each in its order.
    const batches: RecordBatch<string>[] = [];
    for (let from = 0; from < EVENTS_PER_PARTITION + 1; from += 500) {
      for (let p = 0; p < PARTITIONS; p++) {
        const records = byPartition[p]!.slice(from, from + 500);
        if (records.length > 0) batches.push({ partition: p, records, positions: records.map((_, i) => from + i) });
      }
    }
    const run = await runPipeline(sessionsJob, batches, { gapMs: 10_000 });
    const sessions = run.outputs.flatMap((o) => (o.recordLines ?? []).map((l) => l.line)).sort();
    bounded = { sessions, points: [...run.lines].sort() };
    reference = {
      sessions: sessions.filter((line) => !line.includes(CLOSE_USER)),
      // The closing records' own sessions end hours after the rest: they fire only at the end of a bounded input.
      points: bounded.points.filter((line) => Number(line.split(' ').at(-1)) < CLOSE_MS * 1e6),
    };
    assert.ok(bounded.sessions.length > reference.sessions.length && bounded.points.length > reference.points.length);
    assert.ok(reference.sessions.length > 1_000, `the reference has ${reference.sessions.length} sessions`);
    assert.ok(reference.points.length > 50, `the reference has ${reference.points.length} points`);
  });
  after(() => {
    killAllJobs();
    killJobManagers();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (group: string, name: string, extra: readonly string[] = ['--bounded']) =>
    new JobProcess(
      ['run', 'sessions', '--from', 'kafka', '--topic', topic, '--group', group, '--gap', GAP, '--commit-interval', '500ms',
        '--to', `file:${join(dir, `${name}.lp`)}`, '--output', `sessions=file:${join(dir, `${name}.sessions.jsonl`)}`, ...extra],
      { KAFKA_BROKERS: serviceEnv().brokers },
    );
  /** Waits for bounded runs to end by themselves. */
  const ended = async (jobs: readonly JobProcess[], names: readonly string[]) => {
    for (const job of jobs) assert.equal((await job.exited).code, 0, job.stderr.slice(-3000));
    return outputsOf(names);
  };
  const outputsOf = (names: readonly string[]) => ({
    sessions: names.flatMap((name) => linesOf(join(dir, `${name}.sessions.jsonl`))),
    points: names.flatMap((name) => linesOf(join(dir, `${name}.lp`))),
  });
  /** Waits until the outputs hold every reference line at least once, then stops the jobs. */
  const finish = async (jobs: readonly JobProcess[], names: readonly string[]) => {
    await waitFor(
      () => {
        const { sessions, points } = outputsOf(names);
        return new Set(sessions).size >= reference.sessions.length && new Set(points).size >= reference.points.length;
      },
      { timeoutMs: 240_000, stepMs: 250, what: `every one of ${reference.sessions.length} sessions and ${reference.points.length} points in ${names.join(', ')}` },
    );
    for (const job of jobs) if (job.alive) job.kill('SIGTERM');
    for (const job of jobs) assert.equal((await job.exited).code, 0, job.stderr.slice(-3000));
    return outputsOf(names);
  };

  test('one instance, bounded: every session and point equals the job in one process, and the run ends by itself', async () => {
    const group = uniqueName('moves-one');
    const { sessions, points } = await ended([start(group, 'one')], ['one']);
    assert.deepEqual(sessions.sort(), bounded.sessions);
    assert.deepEqual(points.sort(), bounded.points);
    // A second bounded run in the group finds every partition, internal ones too, committed at its end.
    const again = await ended([start(group, 'again')], ['again']);
    assert.deepEqual(again, { sessions: [], points: [] });
    // Another gap in the same group, or another job's group, is refused before anything is read or written.
    const otherGap = start(group, 'other-gap', ['--bounded', '--gap', '20s']);
    assert.equal((await otherGap.exited).code, 2, otherGap.stderr.slice(-3000));
    assert.match(otherGap.stderr, /group "[^"]+" holds commits of job sessions under other settings[\s\S]*new --group/);
    const errorRatesGroup = uniqueName('moves-taken');
    const errorRates = new JobProcess(['run', 'error-rates', '--from', 'kafka', '--topic', topic, '--group', errorRatesGroup, '--bounded', '--to', 'none'], { KAFKA_BROKERS: serviceEnv().brokers });
    assert.equal((await errorRates.exited).code, 0, errorRates.stderr.slice(-3000));
    const taken = start(errorRatesGroup, 'taken');
    assert.equal((await taken.exited).code, 2, taken.stderr.slice(-3000));
    assert.match(taken.stderr, /holds commits of a job that moves nothing/);
    assert.deepEqual(outputsOf(['other-gap', 'taken']), { sessions: [], points: [] });
    // The internal topics were trimmed below the group's commits: nothing of them is read again.
    const admin = new Kafka({ clientId: 'moves-trim', brokers: [serviceEnv().brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      for (let move = 1; move <= 3; move++) {
        const internal = `${group}-move-${move}-repartition`;
        const [offsets, [committed]] = await Promise.all([admin.fetchTopicOffsets(internal), admin.fetchOffsets({ groupId: group, topics: [internal] })]);
        assert.equal(offsets.length, PARTITIONS, `${internal} has the source's partition count`);
        for (const { partition, low, high } of offsets) {
          const commit = Number(committed!.partitions.find((p) => p.partition === partition)!.offset);
          assert.ok(Number(high) > 0 && Number(low) > 0 && Number(low) <= commit, `${internal}[${partition}]: first offset ${low}, commit ${commit}, end ${high}`);
        }
      }
    } finally {
      await admin.disconnect();
    }
  });

  test('one instance, unbounded: what the watermarks reached is written, and SIGTERM stops it; moved records deleted behind its back stop the next run', async () => {
    const group = uniqueName('moves-live');
    const job = start(group, 'live', []);
    const { sessions, points } = await finish([job], ['live']);
    assert.deepEqual(sessions.sort(), reference.sessions);
    assert.deepEqual(points.sort(), reference.points);
    // The closing records' sessions are still open: their records wait in the first internal
    // topic, which keeps them whatever the broker's retention. Deleted anyway, the next run
    // refuses to carry on without them.
    const internal = `${group}-move-1-repartition`;
    const admin = new Kafka({ clientId: 'moves-gap', brokers: [serviceEnv().brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const [config] = (await admin.describeConfigs({ resources: [{ type: 2, name: internal, configNames: ['retention.ms'] }], includeSynonyms: false })).resources;
      assert.equal(config!.configEntries.find((e) => e.configName === 'retention.ms')?.configValue, '-1');
      await admin.deleteTopicRecords({ topic: internal, partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: '-1' })) });
    } finally {
      await admin.disconnect();
    }
    const again = start(group, 'live-again', []);
    assert.equal((await again.exited).code, 1, again.stderr.slice(-3000));
    assert.match(again.stderr, /the moved records between were deleted/);
    assert.deepEqual(linesOf(join(dir, 'live-again.sessions.jsonl')), []);
  });

  test('two instances in one group share every topic and write the same results', async () => {
    const group = uniqueName('moves-two');
    const jobs = [start(group, 'two-a'), start(group, 'two-b')];
    const { sessions, points } = await ended(jobs, ['two-a', 'two-b']);
    // A partition that moved while the second instance joined is re-read by its new owner from
    // its commit: lines after it may be in both files, never different ones.
    assert.deepEqual([...new Set(sessions)].sort(), bounded.sessions);
    assert.deepEqual([...new Set(points)].sort(), bounded.points);
  });

  test('a group whose internal topics would collide with another group\'s ("." against "_") is refused with exit 2, naming both', async () => {
    const base = uniqueName('moves-dot');
    assert.equal((await start(`${base}.x`, 'dot').exited).code, 0);
    const collides = start(`${base}_x`, 'underscore');
    assert.equal((await collides.exited).code, 2, collides.stderr.slice(-3000));
    assert.match(collides.stderr, new RegExp(`"${base}_x-move-1-repartition" would collide with the existing topic "${base}\\.x-move-1-repartition"`));
  });

  test('a bounded instance beside an unbounded one in its group says what it waits for, and ends once the other leaves', async () => {
    const group = uniqueName('moves-mixed');
    const live = start(group, 'mixed-live', []);
    await live.reached(/partitions assigned/);
    const ending = start(group, 'mixed-bounded');
    await ending.reached(/bounded run waiting for partitions held by other members of the group to end/, 1, 120_000);
    live.kill('SIGTERM');
    assert.equal((await live.exited).code, 0, live.stderr.slice(-3000));
    assert.equal((await ending.exited).code, 0, ending.stderr.slice(-3000));
    // What the unbounded one wrote before it left, and the bounded one after it took over: one run's results.
    const { sessions, points } = outputsOf(['mixed-live', 'mixed-bounded']);
    assert.deepEqual([...new Set(sessions)].sort(), bounded.sessions);
    assert.deepEqual([...new Set(points)].sort(), bounded.points);
  });

  test('three instances in one group: the same results', async () => {
    const group = uniqueName('moves-three');
    const names = ['three-a', 'three-b', 'three-c'];
    const { sessions, points } = await ended(names.map((name) => start(group, name)), names);
    assert.deepEqual([...new Set(sessions)].sort(), bounded.sessions);
    assert.deepEqual([...new Set(points)].sort(), bounded.points);
  });

  test('two job managers, as two machines, each given the job in one group: together they write the results of one', async () => {
    const group = uniqueName('moves-managers');
    const managers = await Promise.all(
      ['m1', 'm2'].map((name) => startJobManager({ stateFile: join(dir, `${name}.state.json`), env: { KAFKA_BROKERS: serviceEnv().brokers, CLICKFLOW_TOKEN: undefined } })),
    );
    try {
      const ids = await Promise.all(
        managers.map(async (manager, i) => {
          const args = ['--from', 'kafka', '--topic', topic, '--group', group, '--bounded', '--gap', GAP, '--commit-interval', '500ms',
            '--to', `file:${join(dir, `manager-${i}.lp`)}`, '--output', `sessions=file:${join(dir, `manager-${i}.sessions.jsonl`)}`];
          const reply = await fetch(`${manager.url}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ job: 'sessions', args }) });
          const text = await reply.text();
          assert.equal(reply.status, 201, text);
          return (JSON.parse(text) as { id: string }).id;
        }),
      );
      await waitFor(
        async () => {
          const states = await Promise.all(managers.map(async (manager, i) => ((await (await fetch(`${manager.url}/jobs/${ids[i]}`)).json()) as { state: string }).state));
          if (states.includes('FAILED')) throw new Error(`a job failed: ${states.join(', ')}\n${managers.map((m) => m.stderr().slice(-2_000)).join('\n')}`);
          return states.every((state) => state === 'FINISHED');
        },
        { timeoutMs: 240_000, stepMs: 250, what: 'both managers\' jobs to finish' },
      );
      const { sessions, points } = outputsOf(['manager-0', 'manager-1']);
      assert.deepEqual([...new Set(sessions)].sort(), bounded.sessions);
      assert.deepEqual([...new Set(points)].sort(), bounded.points);
    } finally {
      await Promise.all(managers.map((manager) => manager.stop()));
    }
  });

  test(`kill -9 ${KILLS} times at seeded moments, each followed by a restart: the same results, no line written twice`, async () => {
    const group = uniqueName('moves-kill');
    const random = seededRandom(5);
    let kills = 0;
    for (; kills < KILLS; kills++) {
      const job = start(group, 'kill');
      if (kills % 2 === 0) {
        // While the source is read and moved: once this incarnation has read a seeded share of
        // it, small enough that work is left for the next. Once earlier ones read it all, what
        // is left is in the internal topics: then once a seeded share of the sessions is written.
        const records = Math.floor((0.02 + random() * 0.1) * PARTITIONS * EVENTS_PER_PARTITION);
        const share = 0.6 + random() * 0.3;
        await waitFor(
          async () =>
            !job.alive ||
            ((await job.metric('clickflow_records_in_total')) ?? 0) >= records ||
            new Set(linesOf(join(dir, 'kill.sessions.jsonl'))).size >= share * reference.sessions.length,
          { timeoutMs: 180_000, stepMs: 20, what: `kill ${kills + 1}: the job to read ${records} records or write ${Math.round(share * 100)} % of the sessions` },
        );
      } else {
        // While sessions are written: once a seeded share of them is.
        const share = random() * 0.6;
        await waitFor(() => !job.alive || new Set(linesOf(join(dir, 'kill.sessions.jsonl'))).size >= share * reference.sessions.length, {
          timeoutMs: 180_000,
          stepMs: 20,
          what: 'a share of the sessions written',
        });
      }
      job.kill('SIGKILL');
      assert.equal((await job.exited).signal, 'SIGKILL', `kill ${kills + 1} must have killed the job, not found it ended:\n${job.stderr.slice(-2000)}`);
    }
    const job = start(group, 'kill');
    const { sessions, points } = await ended([job], ['kill']);
    assert.deepEqual(sessions.sort(), bounded.sessions);
    assert.deepEqual(points.sort(), bounded.points);
    reportFault({
      scenario: `kill -9 x${kills}: sessions job, 3 moves through internal topics`,
      sent: PARTITIONS * (EVENTS_PER_PARTITION + 1),
      counted: reference.sessions.length,
      invalid: 0,
      late: 0,
      windowsCompared: reference.sessions.length + reference.points.length,
      mismatches: 0,
    });
  });
});

describe('an idle source partition and a move between partitions', () => {
  after(() => killAllJobs());

  test('with --idle-timeout an empty partition stops holding the sessions back; a record it sends later for a fired session is late, counted and routed', async () => {
    const { brokers } = serviceEnv();
    const topic = uniqueName('idle');
    const dir = mkdtempSync(join(tmpdir(), 'clickflow-idle-'));
    try {
      // Partitions 0 and 1 only; 2 stays empty.
      const [first, second] = clickstream(3);
      await createTopicWith(brokers, topic, [first!, second!, []]);
      const sessionsPath = join(dir, 'sessions.jsonl');
      const latePath = join(dir, 'late.jsonl');
      const job = new JobProcess(
        ['run', 'sessions', '--from', 'kafka', '--topic', topic, '--group', uniqueName('idle'), '--gap', GAP, '--idle-timeout', '1s', '--commit-interval', '500ms',
          '--to', 'none', '--output', `sessions=file:${sessionsPath}`, '--late-output', `file:${latePath}`],
        { KAFKA_BROKERS: brokers },
      );
      // The reference: the same two partitions in one process, where nothing waits for the third.
      const batches: RecordBatch<string>[] = [first!, second!].map((records, partition) => ({ partition, records, positions: records.map((_, i) => i) }));
      const run = await runPipeline(sessionsJob, batches, { gapMs: 10_000 });
      const expected = run.outputs.flatMap((o) => (o.recordLines ?? []).map((l) => l.line)).filter((line) => !line.includes(CLOSE_USER)).sort();
      await waitFor(() => linesOf(sessionsPath).length >= expected.length, { timeoutMs: 120_000, stepMs: 200, what: `${expected.length} sessions with partition 2 idle` });
      const lateBefore = linesOf(latePath).length;
      // Partition 2 wakes up with a page of a session that fired long ago.
      const stale = JSON.stringify({ user_id: 'u1', url: '/stale', http_status: 200, event_timestamp: new Date(T0_MS + 60_000).toISOString() });
      const producer = new Kafka({ clientId: 'idle-test', brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ partition: 2, value: stale }] });
      await producer.disconnect();
      await waitFor(() => linesOf(latePath).some((line) => line.includes('/stale')), { timeoutMs: 60_000, stepMs: 200, what: 'the stale record in the late output' });
      job.kill('SIGTERM');
      assert.equal((await job.exited).code, 0, job.stderr.slice(-3000));
      assert.deepEqual(linesOf(sessionsPath).sort(), expected, 'the late record changed no session');
      assert.equal(linesOf(latePath).length, lateBefore + 1);
      assert.match(job.stderr, /\d+ late/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Creates `topic` with one partition per list and sends each list's lines to its partition, in order. */
async function createTopicWith(brokers: string, topic: string, byPartition: readonly (readonly string[])[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'moves-test', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: byPartition.length }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (const [partition, lines] of byPartition.entries()) {
    // Requests of 1 000: a broker refuses one over its message.max.bytes.
    for (let from = 0; from < lines.length; from += 1_000) {
      await producer.send({ topic, messages: lines.slice(from, from + 1_000).map((value) => ({ partition, value })) });
    }
  }
  await producer.disconnect();
}

const linesOf = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : []);

/**
 * A clickstream keyed by URL, as `clickflow produce` writes it: a user's pages land in every
 * partition. Each partition's clock runs at its own pace; most events are out of order within
 * the 5 s bound, some late beyond it. Last, one record per partition far in the future.
 */
function clickstream(seed: number): string[][] {
  const random = seededRandom(seed);
  const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  return Array.from({ length: PARTITIONS }, (_, p) => {
    let clock = T0_MS + int(0, 3_000);
    const lines: string[] = [];
    for (let i = 0; i < EVENTS_PER_PARTITION; i++) {
      clock += int(0, 60 + p * 30);
      const ms = random() < 0.03 ? clock - 5_000 - int(1, 60_000) : clock - int(0, 4_999);
      const status = random() < 0.05 ? 503 : 200;
      lines.push(JSON.stringify({ user_id: `u${int(0, USERS - 1)}`, url: `/p${p}/${int(0, 30)}`, http_status: status, event_timestamp: new Date(ms).toISOString() }));
    }
    lines.push(JSON.stringify({ user_id: CLOSE_USER, url: '/close', http_status: 200, event_timestamp: new Date(CLOSE_MS).toISOString() }));
    return lines;
  });
}
