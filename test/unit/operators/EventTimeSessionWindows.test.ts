import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, Subject } from 'rxjs';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { count } from '../../../src/operators/aggregates/count.js';
import { EventTimeSessionWindows } from '../../../src/operators/EventTimeSessionWindows.js';
import type { PartitionCheckpoint } from '../../../src/operators/PartitionCheckpoint.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { windowAggregate } from '../../../src/operators/windowAggregate.js';
import type { LateRecord, WindowedBatch, WindowResult } from '../../../src/operators/WindowResult.js';
import {
  collectSessionIds,
  offlineSessions,
  randomSessionInput,
  referenceSessions,
  sessionBatches,
  type SessionConfig,
  type SessionFiring,
  type SEv,
} from './sessionReference.js';

type Out = WindowedBatch<number[], string>;

function sessionsOp(c: SessionConfig, onLate?: (late: LateRecord<SEv>) => void) {
  return windowAggregate<SEv, readonly number[], number[], string>({
    windows: EventTimeSessionWindows.withGap(c.gapMs),
    eventTimeOf: (e) => e.t,
    keyOf: (e) => e.key,
    maxOutOfOrdernessMs: c.maxOutOfOrdernessMs,
    allowedLatenessMs: c.allowedLatenessMs,
    aggregate: collectSessionIds(),
    onLate,
  });
}

/** Runs the batches to the end of input; every output, and the late records. */
function run(c: SessionConfig, batches: readonly RecordBatch<SEv>[]) {
  const late: LateRecord<SEv>[] = [];
  const outputs: Out[] = [];
  let completed = false;
  from(batches)
    .pipe(sessionsOp(c, (l) => late.push(l)))
    .subscribe({ next: (o) => outputs.push(o), complete: () => (completed = true), error: (e: unknown) => assert.fail(String(e)) });
  assert.equal(completed, true);
  return { outputs, late };
}

/** Feeds batches without completing (a crash: no end-of-input flush). */
function runInterrupted(c: SessionConfig, batches: readonly RecordBatch<SEv>[], late: LateRecord<SEv>[]): Out[] {
  const input = new Subject<RecordBatch<SEv>>();
  const outputs: Out[] = [];
  const sub = input.pipe(sessionsOp(c, (l) => late.push(l))).subscribe({ next: (o) => outputs.push(o), error: (e: unknown) => assert.fail(String(e)) });
  for (const b of batches) input.next(b);
  sub.unsubscribe();
  return outputs;
}

const firingOf = (r: WindowResult<number[], string>): SessionFiring => ({
  key: r.key,
  startMs: r.startMs,
  endMs: r.endMs,
  firing: r.firing,
  ids: [...r.value].sort((a, b) => a - b),
});

/** Sorted by key, start, end, firing: the content of a group of firings, whatever their order. */
const canonical = (fs: readonly SessionFiring[]) =>
  [...fs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || a.startMs - b.startMs || a.endMs - b.endMs || a.firing - b.firing);

/** Records of one partition with consecutive positions; `[key, time]` pairs. */
function recs(spec: readonly (readonly [string, number])[], partition = 0, firstPosition = 0): SEv[] {
  return spec.map(([key, t], i) => ({ id: firstPosition + i, partition, position: firstPosition + i, t, key }));
}

/** One record per batch; what each record fired, as `key[start,end)#firing:ids`. */
function steps(c: SessionConfig, spec: readonly (readonly [string, number])[]) {
  const records = recs(spec);
  const { outputs, late } = run(
    c,
    records.map((r) => ({ partition: 0, records: [r], positions: [r.position] })),
  );
  const show = (r: WindowResult<number[], string>) => `${r.key}[${r.startMs},${r.endMs})#${r.firing}:${[...r.value].sort((a, b) => a - b).join(',')}`;
  return {
    fired: outputs.slice(0, records.length).map((o) => o.results.map(show)),
    flush: outputs.slice(records.length).flatMap((o) => o.results.map(show)),
    late: late.map((l) => l.record.id),
    outputs,
  };
}

describe('EventTimeSessionWindows.withGap', () => {
  it('describes session windows by their gap, in milliseconds or as a duration', () => {
    assert.deepEqual(EventTimeSessionWindows.withGap(30_000), { kind: 'session', gapMs: 30_000 });
    assert.deepEqual(EventTimeSessionWindows.withGap('30m'), { kind: 'session', gapMs: 1_800_000 });
  });

  it('refuses a gap that is not a positive whole number of milliseconds', () => {
    for (const gap of [0, -1, 1.5, NaN, Infinity]) assert.throws(() => EventTimeSessionWindows.withGap(gap), ConfigError, `gap ${gap}`);
    assert.throws(() => EventTimeSessionWindows.withGap('soon'), ConfigError);
  });
});

describe('session windows: hand-written cases (gap 10)', () => {
  const c = { gapMs: 10, maxOutOfOrdernessMs: 0, allowedLatenessMs: 0 };

  it('a session ends gap after its last record and fires when the watermark reaches end - 1', () => {
    // 1, 5, 12 form [1,22); 40 starts [40,50) and makes the watermark 39 >= 21.
    const r = steps(c, [['a', 1], ['a', 5], ['a', 12], ['a', 40]]);
    assert.deepEqual(r.fired, [[], [], [], ['a[1,22)#0:0,1,2']]);
    assert.deepEqual(r.flush, ['a[40,50)#0:3']);
  });

  it('records exactly gap apart are one session (touching bounds merge); gap + 1 apart are two', () => {
    assert.deepEqual(steps(c, [['a', 0], ['a', 10], ['a', 100]]).fired[2], ['a[0,20)#0:0,1']);
    // 11 makes the watermark 10 >= 9: [0,10) fires on it.
    assert.deepEqual(steps(c, [['a', 0], ['a', 11], ['a', 100]]).fired, [[], ['a[0,10)#0:0'], ['a[11,21)#0:1']]);
  });

  it('keys have sessions of their own', () => {
    const r = steps(c, [['a', 1], ['b', 3], ['a', 8], ['b', 30], ['a', 60]]);
    // b at 30 makes the watermark 29: a[1,18) and b[3,13) are due, fired by end.
    assert.deepEqual(r.fired[3], ['b[3,13)#0:1', 'a[1,18)#0:0,2']);
    assert.deepEqual(r.fired[4], ['b[30,40)#0:3']);
    assert.deepEqual(r.flush, ['a[60,70)#0:4']);
  });

  it('a record between two open sessions bridges them into one, merging their accumulators', () => {
    const loose = { ...c, maxOutOfOrdernessMs: 100 };
    const r = steps(loose, [['a', 0], ['a', 30], ['a', 15], ['a', 300]]);
    // [0,10) and [30,40) are apart; 15 makes [15,25), which touches neither.
    assert.deepEqual(r.flush.concat(r.fired.flat()).sort(), ['a[0,10)#0:0', 'a[15,25)#0:2', 'a[30,40)#0:1', 'a[300,310)#0:3']);
    const bridged = steps(loose, [['a', 0], ['a', 20], ['a', 10], ['a', 300]]);
    // 10 makes [10,20), which touches [0,10) and [20,30): one session [0,30) of three records.
    assert.deepEqual(bridged.fired.flat().concat(bridged.flush), ['a[0,30)#0:0,1,2', 'a[300,310)#0:3']);
  });

  it('a record whose own window is late is dropped unless it touches a session that is not', () => {
    // ooo 5: after 30 the watermark is 24. [20,30) is open (fires at 29).
    const ooo = { ...c, maxOutOfOrdernessMs: 5 };
    const r = steps(ooo, [['a', 20], ['a', 30], ['a', 12], ['b', 12], ['a', 100]]);
    // a@12: own window [12,22) has end - 1 = 21 <= 24, but it touches [20,40): merged [12,40), on time (Flink checks the merged window).
    // b@12: touches nothing of b: late.
    assert.deepEqual(r.late, [3]);
    assert.deepEqual(r.fired.flat(), ['a[12,40)#0:0,1,2']);
    assert.equal(r.outputs[3]!.lateRecords, 1);
  });

  it('within the allowed lateness a record joining a fired session re-emits it at once, whole', () => {
    const lax = { ...c, allowedLatenessMs: 20 };
    // 1 → [1,11); 30 → watermark 29: fires [1,11), kept until watermark 30 (end - 1 + 20).
    // 5 → [5,15) joins it: [1,15), end - 1 = 14 <= 29: fired again at once, with both records.
    // 31 → watermark 30; [1,15) is kept until 34. 6 joins it again: [1,16), a third firing.
    const r = steps(lax, [['a', 1], ['a', 30], ['a', 5], ['a', 31], ['a', 6], ['a', 200]]);
    assert.deepEqual(r.fired, [[], ['a[1,11)#0:0'], ['a[1,15)#1:0,2'], [], ['a[1,16)#2:0,2,4'], ['a[30,41)#0:1,3']]);
    assert.deepEqual(r.late, []);
  });

  it('a record that extends a fired session past the watermark makes it fire again later, as a re-emission', () => {
    const lax = { ...c, maxOutOfOrdernessMs: 0, allowedLatenessMs: 50 };
    // 1 → [1,11) fires at watermark 29 (record 30, its own session [30,40)).
    // 9 → [9,19) joins [1,11): [1,19), end - 1 = 18 <= 29: fires at once (#1).
    // 25 → [25,35) misses [1,19) (19 < 25) and joins [30,40): [25,40), end - 1 = 39 > 29: pending.
    // 18 → [18,28) touches [1,19) and [25,40): one session [1,40) of five records, fired before: it fires
    // when the watermark reaches 39 (record 45), numbered as a re-emission.
    const r = steps(lax, [['a', 1], ['a', 30], ['a', 9], ['a', 25], ['a', 18], ['a', 45]]);
    assert.deepEqual(r.fired, [[], ['a[1,11)#0:0'], ['a[1,19)#1:0,2'], [], [], ['a[1,40)#2:0,1,2,3,4']]);
    assert.deepEqual(r.flush, ['a[45,55)#0:5']);
  });

  it('state is dropped at end - 1 + lateness: a record then is late', () => {
    const lax = { ...c, allowedLatenessMs: 5 };
    // [1,11) fires at watermark 10 (b@11). a@8 extends it to [1,18): end - 1 = 17 > 10, so it fires again
    // later, at watermark 39 (b@40), and is dropped there (17 + 5 <= 39). a@9 then touches nothing and
    // its own window [9,19) is past 18 + 5: late.
    const r = steps(lax, [['a', 1], ['b', 11], ['a', 8], ['b', 16], ['b', 40], ['a', 9]]);
    assert.deepEqual(r.fired, [[], ['a[1,11)#0:0'], [], [], ['a[1,18)#1:0,2', 'b[11,26)#0:1,3'], []]);
    assert.deepEqual(r.late, [5]);
    assert.deepEqual(r.flush, ['b[40,50)#0:4']);
  });

  it('a record whose session was dropped but whose own window is within the lateness starts a new session that fires at once', () => {
    // Flink judges the record's own window: [5,15) has end - 1 + 5 = 19 > 15, so it is not late.
    const r = steps({ ...c, allowedLatenessMs: 5 }, [['a', 1], ['b', 11], ['b', 16], ['a', 5]]);
    assert.deepEqual(r.fired, [[], ['a[1,11)#0:0'], [], ['a[5,15)#0:3']]);
    assert.deepEqual(r.late, []);
  });

  it('the end of input fires every session that has not fired, by end, and completes', () => {
    const r = steps({ ...c, maxOutOfOrdernessMs: 1_000 }, [['b', 50], ['a', 1], ['a', 70], ['c', 2]]);
    assert.deepEqual(r.fired.flat(), []);
    assert.deepEqual(r.flush, ['a[1,11)#0:1', 'c[2,12)#0:3', 'b[50,60)#0:0', 'a[70,80)#0:2']);
  });

  it('without keyOf, sessions are over all of the partition’s records', () => {
    const outputs: WindowedBatch<number, undefined>[] = [];
    from([{ partition: 0, records: recs([['a', 1], ['b', 5], ['c', 30]]) }])
      .pipe(windowAggregate({ windows: EventTimeSessionWindows.withGap(10), eventTimeOf: (e: SEv) => e.t, maxOutOfOrdernessMs: 0, aggregate: count<SEv>() }))
      .subscribe((o) => outputs.push(o));
    assert.deepEqual(
      outputs.flatMap((o) => o.results.map((r) => [r.key, r.startMs, r.endMs, r.value])),
      [
        [undefined, 1, 15, 2],
        [undefined, 30, 40, 1],
      ],
    );
  });

  it('safePosition holds every session that may still fire, back to the record that held the highest time when it began', () => {
    // In order, each session needs only its own records: a[1,11) from 0, then b[5,15) from 1 (fired at
    // wm 19, kept until 24 by the lateness 10), a[20,30) from 2, b[40,50) from 3, a[60,70) from 4.
    const inOrder = steps({ ...c, allowedLatenessMs: 10 }, [['a', 1], ['b', 5], ['a', 20], ['b', 40], ['a', 60]]);
    assert.deepEqual(inOrder.outputs.slice(0, 5).map((o) => o.safePosition), [0, 0, 0, 3, 4]);
    // ooo 10: c@25 (position 2) is behind b@30 (position 1), the highest time then: its session is safe
    // only from 1, where a replay finds the watermark c@25 arrived under.
    const behind = steps({ ...c, maxOutOfOrdernessMs: 10 }, [['a', 1], ['b', 30], ['c', 25], ['b', 45], ['d', 70]]);
    // after b@30 (wm 19) a[1,11) is gone; after b@45 (wm 34) c[25,35) is gone but b[30,40) is not; after d@70 only d.
    assert.deepEqual(behind.outputs.slice(0, 5).map((o) => o.safePosition), [0, 1, 1, 1, 4]);
  });

  it('one long session among thousands of short ones: safePosition stays at its first record until it closes, and every short session fires once', () => {
    // 'long' takes a record every 10 ms (gap 20): its session stays open from position 0. Each
    // other key has one record, a session that closes 20 ms later and whose slot the next ones
    // reuse; their replay positions pile up behind the long session's until the queue is rebuilt.
    const spec: [string, number][] = [];
    for (let t = 0; t < 30_000; t += 10) {
      spec.push(['long', t]);
      spec.push([`k${t}`, t + 5]);
    }
    spec.push(['after', 60_000]);
    const records = recs(spec);
    const batches = [];
    for (let i = 0; i < records.length; i += 100) {
      const slice = records.slice(i, i + 100);
      batches.push({ partition: 0, records: slice, positions: slice.map((r) => r.position) });
    }
    const { outputs, late } = run({ gapMs: 20, maxOutOfOrdernessMs: 0, allowedLatenessMs: 0 }, batches);
    assert.equal(late.length, 0);
    const beforeTheEnd = outputs.slice(0, batches.length - 1);
    assert.deepEqual([...new Set(beforeTheEnd.map((o) => o.safePosition))], [0], 'the long session holds position 0 throughout');
    assert.equal(outputs[batches.length - 1]!.safePosition, records.length - 1, 'then only the last record is held');
    const fired = outputs.flatMap((o) => o.results);
    assert.equal(fired.length, 3_000 + 2);
    const long = fired.filter((r) => r.key === 'long');
    assert.deepEqual(long.map((r) => [r.startMs, r.endMs, r.value.length]), [[0, 29_990 + 20, 3_000]]);
    assert.ok(fired.every((r) => r.firing === 0 && (r.key === 'long' || r.value.length === 1)));
  });

  it('a restore rebuilds a session whose first record is behind the restored watermark (it was on time when it arrived)', () => {
    // a@100 and a@108 make a[100,118); b@113 moves the watermark to 112, past a@100's own window [100,110)
    // but not past the session's end. A checkpoint there, then a restart: the session must come back whole.
    const records = recs([['a', 100], ['a', 108], ['b', 113], ['b', 130]]);
    const whole = run(c, [{ partition: 0, records, positions: [0, 1, 2, 3] }]);
    const show = (os: readonly Out[]) => os.flatMap((o) => o.results.map((w) => `${w.key}[${w.startMs},${w.endMs}):${[...w.value].sort((x, y) => x - y)}`));
    assert.deepEqual(show(whole.outputs), ['a[100,118):0,1', 'b[113,123):2', 'b[130,140):3']);
    const first = runInterrupted(c, [{ partition: 0, records: records.slice(0, 3), positions: [0, 1, 2] }], []);
    const last = first.at(-1)!;
    assert.deepEqual([last.safePosition, last.maxTimestampMs, last.nextPosition], [0, 113, 3]);
    const resumed = records.filter((r) => r.position >= last.safePosition);
    const second = run(c, [
      {
        partition: 0,
        records: resumed,
        positions: resumed.map((r) => r.position),
        restore: { maxTimestampMs: last.maxTimestampMs, replayUntil: last.nextPosition },
      },
    ]);
    assert.deepEqual(show([...first, ...second.outputs]), show(whole.outputs));
    assert.equal(second.outputs[0]!.maxTimestampMs, 130);
  });
});

interface Scenario extends SessionConfig {
  readonly name: string;
  readonly keys: number;
  readonly maxStepMs: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'gap 20, 10 keys, no lateness', gapMs: 20, keys: 10, maxStepMs: 8, maxOutOfOrdernessMs: 15, allowedLatenessMs: 0 },
  { name: 'gap 20, 10 keys, lateness 25', gapMs: 20, keys: 10, maxStepMs: 8, maxOutOfOrdernessMs: 15, allowedLatenessMs: 25 },
  { name: 'gap 7, 60 keys, zero bound, lateness 40', gapMs: 7, keys: 60, maxStepMs: 3, maxOutOfOrdernessMs: 0, allowedLatenessMs: 40 },
  { name: 'gap 50, 3 keys, long sessions, lateness 10', gapMs: 50, keys: 3, maxStepMs: 30, maxOutOfOrdernessMs: 40, allowedLatenessMs: 10 },
];
const SEEDS = [1, 2, 3, 2024];
const BATCH_SIZES = [1, 7, 1000];
const PARTITIONS = 3;

const inputOf = (seed: number, s: Scenario) =>
  randomSessionInput(seed, {
    partitions: PARTITIONS,
    perPartition: 400,
    keys: s.keys,
    maxStepMs: s.maxStepMs,
    maxOutOfOrdernessMs: s.maxOutOfOrdernessMs,
    lateSpreadMs: 3 * s.gapMs + s.allowedLatenessMs,
  });

describe('session windows against the brute-force reference', () => {
  for (const s of SCENARIOS) {
    for (const seed of SEEDS) {
      it(`${s.name}, seed ${seed}: same firings, late records and progress for batch sizes ${BATCH_SIZES.join(', ')}`, () => {
        const byPartition = inputOf(seed, s);
        const refs = byPartition.map((records) => referenceSessions(records, s));
        // The input exercises what the test claims to.
        assert.ok(refs.some((r) => r.late.length > 0), 'late records');
        assert.ok(refs.some((r) => r.steps.some((st) => st.due.some((f) => f.ids.length >= 3))), 'sessions of several records');
        if (s.allowedLatenessMs > 0) assert.ok(refs.some((r) => r.steps.some((st) => st.element !== null)), 're-emissions');

        for (const size of BATCH_SIZES) {
          const batches = sessionBatches(byPartition, size, seed * 31 + size);
          const { outputs, late } = run(s, batches);
          assert.equal(outputs.length, batches.length + PARTITIONS, 'one output per batch, one flush per partition');
          const done = new Map<number, number>();
          for (const [i, b] of batches.entries()) {
            const ref = refs[b.partition]!;
            const from = done.get(b.partition) ?? 0;
            const to = from + b.records.length;
            done.set(b.partition, to);
            const o = outputs[i]!;
            const label = `batch size ${size}, batch ${i} (partition ${b.partition}, records ${from}..${to - 1})`;
            const expectedSteps = ref.steps.slice(from, to);
            const actual = o.results.map(firingOf);
            const expected = expectedSteps.flatMap((st) => [...(st.element === null ? [] : [st.element]), ...st.due]);
            assert.deepEqual(canonical(actual), canonical(expected), label);
            if (size === 1) {
              // The record's own re-emission first, then the due sessions by end, then start.
              const st = expectedSteps[0]!;
              if (st.element !== null) assert.deepEqual(actual[0], st.element, `${label}: re-emission first`);
              const due = actual.slice(st.element === null ? 0 : 1);
              for (let k = 1; k < due.length; k++) {
                assert.ok(due[k - 1]!.endMs < due[k]!.endMs || (due[k - 1]!.endMs === due[k]!.endMs && due[k - 1]!.startMs <= due[k]!.startMs), `${label}: oldest first`);
              }
            }
            assert.deepEqual(
              { watermarkMs: o.watermarkMs, maxTimestampMs: o.maxTimestampMs, safePosition: o.safePosition, nextPosition: o.nextPosition },
              ref.states[to - 1],
              `${label}: progress`,
            );
            assert.equal(o.lateRecords, ref.late.filter((id) => b.records.some((r) => r.id === id)).length, `${label}: lateRecords`);
          }
          for (let p = 0; p < PARTITIONS; p++) {
            const flush = outputs.slice(batches.length).find((o) => o.partition === p)!;
            assert.deepEqual(canonical(flush.results.map(firingOf)), canonical(refs[p]!.flush), `batch size ${size}, partition ${p}: end of input`);
            assert.deepEqual(
              late.filter((l) => l.partition === p).map((l) => l.record.id),
              refs[p]!.late,
              `batch size ${size}, partition ${p}: late records, in order`,
            );
          }
        }
      });
    }
  }
});

describe('session windows offline: with nothing late, each key’s sessions are its sorted times split where neighbours are more than gap apart', () => {
  for (const seed of SEEDS) {
    for (const gapMs of [1, 5, 20, 200]) {
      it(`seed ${seed}, gap ${gapMs}`, () => {
        // An out-of-orderness bound beyond every lag: nothing is late, everything fires once.
        const [records] = randomSessionInput(seed, { partitions: 1, perPartition: 300, keys: 12, maxStepMs: 6, maxOutOfOrdernessMs: 40, lateSpreadMs: 40 });
        const { outputs, late } = run({ gapMs, maxOutOfOrdernessMs: 1_000_000, allowedLatenessMs: 0 }, sessionBatches([records!], 13, seed));
        assert.equal(late.length, 0);
        const fired = outputs.flatMap((o) => o.results.map(firingOf));
        assert.ok(fired.every((f) => f.firing === 0));
        assert.deepEqual(
          canonical(fired).map(({ key, startMs, endMs, ids }) => ({ key, startMs, endMs, ids })),
          offlineSessions(records!, gapMs).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || a.startMs - b.startMs),
        );
      });
    }
  }
});

describe('session windows: restore from a checkpoint mid-stream equals one uninterrupted run', () => {
  for (const s of SCENARIOS) {
    for (const seed of SEEDS.slice(0, 2)) {
      it(`${s.name}, seed ${seed}`, () => {
        const byPartition = inputOf(seed, s);
        const refs = byPartition.map((records) => referenceSessions(records, s));
        const batches = sessionBatches(byPartition, 7, seed);
        const problems: string[] = [];
        for (const fraction of [0.1, 0.3, 0.5, 0.7, 0.85]) {
          const cut = Math.floor(batches.length * fraction);
          const lateA: LateRecord<SEv>[] = [];
          const first = runInterrupted(s, batches.slice(0, cut), lateA);
          // Each partition resumes from its committed (safe) position with its checkpoint.
          const resumed = byPartition.map((records, p) => {
            const last = first.filter((o) => o.partition === p).at(-1);
            if (last === undefined) return { records, restore: null as PartitionCheckpoint | null, replayUntil: -Infinity };
            return {
              records: records.filter((r) => r.position >= last.safePosition),
              restore: { maxTimestampMs: last.maxTimestampMs, replayUntil: last.nextPosition },
              replayUntil: last.nextPosition,
            };
          });
          const second = sessionBatches(resumed.map((r) => r.records), 7, seed + 99);
          const restored = new Set<number>();
          const secondBatches = second.map((b) => {
            if (restored.has(b.partition)) return b;
            restored.add(b.partition);
            return { ...b, restore: resumed[b.partition]!.restore };
          });
          const { outputs, late: lateB } = run(s, secondBatches);
          for (let p = 0; p < PARTITIONS; p++) {
            const ref = refs[p]!;
            const label = `cut ${cut}/${batches.length}, partition ${p}`;
            for (const [i, b] of secondBatches.entries()) {
              if (b.partition === p && b.records.every((r) => r.position < resumed[p]!.replayUntil)) {
                assert.deepEqual(outputs[i]!.results, [], `${label}: emitted while replaying`);
              }
            }
            // Firing numbers are not checkpointed (WindowResult.firing): compare the windows and their records.
            const strip = (fs: readonly SessionFiring[]) => canonical(fs).map(({ key, startMs, endMs, ids }) => `${key}[${startMs},${endMs}):${ids.join(',')}`);
            const got = strip([...first, ...outputs].filter((o) => o.partition === p).flatMap((o) => o.results.map(firingOf)));
            const want = strip([...ref.steps.flatMap((st) => [...(st.element === null ? [] : [st.element]), ...st.due]), ...ref.flush]);
            if (JSON.stringify(got) !== JSON.stringify(want)) {
              problems.push(`${label}: missing ${JSON.stringify(want.filter((w) => !got.includes(w)))}, unexpected ${JSON.stringify(got.filter((g) => !want.includes(g)))}`);
            }
            const lateIds = [...lateA, ...lateB].filter((l) => l.partition === p).map((l) => l.record.id);
            if (JSON.stringify(lateIds) !== JSON.stringify(ref.late)) problems.push(`${label}: late records ${JSON.stringify(lateIds)}, expected ${JSON.stringify(ref.late)}`);
          }
        }
        assert.deepEqual(problems, []);
      });
    }
  }
});
