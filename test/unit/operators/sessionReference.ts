/**
 * A brute-force reference of Flink's event-time session windows for one partition, written
 * independently of `src/operators` (plain arrays and full scans after every record; no heap,
 * no timers, no caches), and the random keyed inputs the session tests feed to both.
 *
 * Semantics (Flink's `WindowOperator` with `EventTimeSessionWindows` and `EventTimeTrigger`):
 * - watermark = highest event time seen − maxOutOfOrderness − 1, updated after each record;
 * - a record at `t` makes the window `[t, t + gap)`; it merges with every session of its key
 *   that it intersects (`a.start <= b.end && a.end >= b.start`: touching bounds merge);
 * - the record is late when the (merged) window's `end − 1 + allowedLateness <= watermark`
 *   (Flink's `isLate(actualWindow)`); a session that still holds state is never that late,
 *   so only a record touching no session can be; a late record changes nothing;
 * - after a record joins, the session fires at once if `end − 1 <= watermark` (a re-emission
 *   within the allowed lateness); otherwise it has a pending timer at `end − 1`;
 * - after the watermark moves, every session with a pending timer at or below it fires,
 *   by end, then start; a session is dropped once `end − 1 + allowedLateness <= watermark`;
 * - the end of input fires every session with a pending timer.
 * A merged session's firing number continues from the highest of its parts.
 *
 * Progress: the safe (commit) position is the lowest, over the sessions holding state, of the
 * positions of their records and, for a record behind the highest event time when it arrived,
 * of the record that held that time: a restore that re-reads from there sees the same watermark
 * at every record as the first run, which is what rebuilding a session exactly needs.
 */
import type { AggregateFunction } from '../../../src/operators/AggregateFunction.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { prng, randInt } from './reference.js';

/** A keyed test record; `id` is unique over the whole input. */
export interface SEv {
  readonly id: number;
  readonly partition: number;
  readonly position: number;
  readonly t: number;
  readonly key: string;
}

export interface SessionConfig {
  readonly gapMs: number;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
}

/** One firing of one session, ids sorted (the order inside a merged accumulator is not specified). */
export interface SessionFiring {
  readonly key: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly firing: number;
  readonly ids: readonly number[];
}

/** What one record did: the firing its own session made at once (if any), then those the watermark made due. */
export interface SessionStep {
  readonly element: SessionFiring | null;
  readonly due: readonly SessionFiring[];
}

export interface SessionProgress {
  readonly watermarkMs: number;
  readonly maxTimestampMs: number;
  readonly safePosition: number;
  readonly nextPosition: number;
}

export interface SessionReference {
  /** One step per record, same index as the input. */
  readonly steps: readonly SessionStep[];
  /** Firings of the end-of-input flush. */
  readonly flush: readonly SessionFiring[];
  /** Ids of the late records, in order. */
  readonly late: readonly number[];
  /** Progress after each record. */
  readonly states: readonly SessionProgress[];
}

const byEndThenStart = (a: { endMs: number; startMs: number; key: string }, b: { endMs: number; startMs: number; key: string }) =>
  a.endMs - b.endMs || a.startMs - b.startMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Flink's session semantics for one partition's records, in order. */
export function referenceSessions(records: readonly SEv[], c: SessionConfig): SessionReference {
  interface S {
    key: string;
    startMs: number;
    endMs: number;
    ids: number[];
    firings: number;
    pending: boolean;
    replayFrom: number;
  }
  let sessions: S[] = [];
  const steps: SessionStep[] = [];
  const late: number[] = [];
  const states: SessionProgress[] = [];
  const fire = (s: S): SessionFiring => ({
    key: s.key,
    startMs: s.startMs,
    endMs: s.endMs,
    firing: s.firings++,
    ids: [...s.ids].sort((a, b) => a - b),
  });
  let maxTs = -Infinity;
  let maxPosition = Infinity;
  for (const r of records) {
    const wmBefore = maxTs - c.maxOutOfOrdernessMs - 1;
    const start = r.t;
    const end = r.t + c.gapMs;
    const touched = sessions.filter((s) => s.key === r.key && s.startMs <= end && s.endMs >= start);
    const merged = {
      startMs: Math.min(start, ...touched.map((s) => s.startMs)),
      endMs: Math.max(end, ...touched.map((s) => s.endMs)),
    };
    let element: SessionFiring | null = null;
    if (merged.endMs - 1 + c.allowedLatenessMs <= wmBefore) {
      late.push(r.id);
    } else {
      sessions = sessions.filter((s) => !touched.includes(s));
      const s: S = {
        key: r.key,
        startMs: merged.startMs,
        endMs: merged.endMs,
        ids: [...touched.flatMap((t) => t.ids), r.id],
        firings: Math.max(0, ...touched.map((t) => t.firings)),
        pending: true,
        replayFrom: Math.min(r.t >= maxTs ? r.position : Math.min(r.position, maxPosition), ...touched.map((t) => t.replayFrom)),
      };
      sessions.push(s);
      if (s.endMs - 1 <= wmBefore) {
        s.pending = false;
        element = fire(s);
      }
    }
    if (r.t > maxTs) {
      maxTs = r.t;
      maxPosition = r.position;
    }
    const wm = maxTs - c.maxOutOfOrdernessMs - 1;
    const due = sessions.filter((s) => s.pending && s.endMs - 1 <= wm).sort(byEndThenStart);
    const dueFirings = due.map((s) => {
      s.pending = false;
      return fire(s);
    });
    sessions = sessions.filter((s) => s.endMs - 1 + c.allowedLatenessMs > wm);
    steps.push({ element, due: dueFirings });
    states.push({
      watermarkMs: wm,
      maxTimestampMs: maxTs,
      safePosition: Math.min(r.position + 1, ...sessions.map((s) => s.replayFrom)),
      nextPosition: r.position + 1,
    });
  }
  const flush = sessions
    .filter((s) => s.pending)
    .sort(byEndThenStart)
    .map(fire);
  return { steps, flush, late, states };
}

/**
 * Sessions of each key computed offline, for an input where nothing is late: sort the key's
 * times and split where two neighbours are more than `gap` apart; a session is
 * `[first, last + gap)`. Sorted by key, then start.
 */
export function offlineSessions(records: readonly SEv[], gapMs: number): { key: string; startMs: number; endMs: number; ids: number[] }[] {
  const byKey = new Map<string, SEv[]>();
  for (const r of records) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const out: { key: string; startMs: number; endMs: number; ids: number[] }[] = [];
  for (const key of [...byKey.keys()].sort()) {
    const sorted = [...byKey.get(key)!].sort((a, b) => a.t - b.t);
    let current = [sorted[0]!];
    const close = () => out.push({ key, startMs: current[0]!.t, endMs: current.at(-1)!.t + gapMs, ids: current.map((r) => r.id).sort((a, b) => a - b) });
    for (const r of sorted.slice(1)) {
      if (r.t - current.at(-1)!.t > gapMs) {
        close();
        current = [r];
      } else current.push(r);
    }
    close();
  }
  return out;
}

/** The ids of a session's records; `merge` concatenates, `add` returns a new array (the "another object" path). */
export function collectSessionIds(): AggregateFunction<SEv, readonly number[], number[]> {
  return {
    createAccumulator: () => [],
    add: (acc, e) => [...acc, e.id],
    getResult: (acc) => [...acc],
    merge: (a, b) => [...a, ...b],
  };
}

export interface RandomSessionInput {
  readonly partitions: number;
  readonly perPartition: number;
  readonly keys: number;
  /** Largest step of the partition's clock between two records. */
  readonly maxStepMs: number;
  readonly maxOutOfOrdernessMs: number;
  /** How far beyond the bound late records go, at most. */
  readonly lateSpreadMs: number;
}

/**
 * Random keyed records per partition: a clock that advances by 0..maxStep, ~55 % of records
 * lagging within the out-of-orderness bound, ~12 % lagging beyond it, occasional repeated
 * times and bursts on one key (so that sessions grow, bridge and merge); positions grow with
 * gaps. Partition 1 runs in negative epoch time.
 */
export function randomSessionInput(seed: number, o: RandomSessionInput): SEv[][] {
  const rand = prng(seed);
  const out: SEv[][] = [];
  let id = 0;
  for (let p = 0; p < o.partitions; p++) {
    const records: SEv[] = [];
    let clock = p === 1 ? -5_000 : randInt(rand, 0, 1_000);
    let position = randInt(rand, 0, 30);
    let burstKey = -1;
    for (let i = 0; i < o.perPartition; i++) {
      clock += randInt(rand, 0, o.maxStepMs);
      const roll = rand();
      let t: number;
      if (roll < 0.33) t = clock;
      else if (roll < 0.88) t = clock - randInt(rand, 0, o.maxOutOfOrdernessMs);
      else t = clock - o.maxOutOfOrdernessMs - randInt(rand, 1, o.lateSpreadMs);
      if (rand() < 0.05 && records.length > 0) t = records[records.length - 1]!.t;
      if (rand() < 0.1) burstKey = rand() < 0.5 ? -1 : randInt(rand, 0, o.keys - 1);
      const key = burstKey >= 0 && rand() < 0.7 ? burstKey : randInt(rand, 0, o.keys - 1);
      records.push({ id: id++, partition: p, position, t, key: `k${key}` });
      position += rand() < 0.1 ? randInt(rand, 2, 5) : 1;
    }
    out.push(records);
  }
  return out;
}

/** Batches of `size` per partition, partitions interleaved in a seeded random order. */
export function sessionBatches(byPartition: readonly (readonly SEv[])[], size: number, seed: number): RecordBatch<SEv>[] {
  const rand = prng(seed);
  const queues = byPartition.map((records) => {
    const chunks: SEv[][] = [];
    for (let i = 0; i < records.length; i += size) chunks.push(records.slice(i, i + size));
    return chunks;
  });
  const out: RecordBatch<SEv>[] = [];
  for (;;) {
    const live = queues.map((q, p) => (q.length > 0 ? p : -1)).filter((p) => p >= 0);
    if (live.length === 0) return out;
    const p = live[Math.floor(rand() * live.length)]!;
    const records = queues[p]!.shift()!;
    out.push({ partition: p, records, positions: records.map((r) => r.position) });
  }
}
