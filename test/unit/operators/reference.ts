/**
 * Test helpers for the windowing engine: a seeded PRNG, a random event generator, batching,
 * a collecting aggregate, and a brute-force reference of Flink's event-time window semantics
 * written independently of `src/operators` (window starts by floor division, a full scan of
 * every window after every record instead of timers, no caches).
 */
import { Subject, from, type Observable } from 'rxjs';
import type { AggregateFunction } from '../../../src/operators/AggregateFunction.js';
import type { PartitionCheckpoint } from '../../../src/operators/PartitionCheckpoint.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import type { WindowedBatch } from '../../../src/operators/WindowResult.js';

/** Mulberry32: a tiny, well-known 32-bit seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi]. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** A test record: `id` is unique over the whole input. */
export interface Ev {
  readonly id: number;
  readonly partition: number;
  readonly position: number;
  readonly t: number;
}

export const timeOf = (e: Ev): number => e.t;

/** Shorthand for hand-written cases: records of one partition with consecutive positions from `firstPosition`. */
export function evs(partition: number, times: readonly number[], firstPosition = 0, firstId = partition * 1_000_000): Ev[] {
  return times.map((t, i) => ({ id: firstId + firstPosition + i, partition, position: firstPosition + i, t }));
}

/** A batch of one partition's records with their positions. */
export function batch(records: readonly Ev[], extra: Partial<RecordBatch<Ev>> = {}): RecordBatch<Ev> {
  const partition = records[0]?.partition ?? extra.partition ?? 0;
  return { partition, records, positions: records.map((r) => r.position), ...extra };
}

/**
 * The ids of a window's records, in arrival order. `add` returns a new array every time, so
 * it also exercises the "add returns another object" path of the engine.
 */
export function collectIds(): AggregateFunction<Ev, readonly number[], number[]> {
  return {
    createAccumulator: () => [],
    add: (acc, e) => [...acc, e.id],
    getResult: (acc) => [...acc],
  };
}

export interface RandomInputOptions {
  readonly partitions: number;
  readonly perPartition: number;
  readonly maxOutOfOrdernessMs: number;
  /** How far beyond the bound the late records go, at most. */
  readonly lateSpreadMs: number;
}

/**
 * Random per-partition event sequences: times mostly increase, ~60% of records lag by up to
 * the out-of-orderness bound, ~12% lag beyond it (late or within the allowed lateness),
 * some repeat a time exactly; positions grow with occasional gaps. Partition 1 runs in
 * negative epoch time to exercise window alignment below zero.
 */
export function randomInput(seed: number, o: RandomInputOptions): Ev[][] {
  const rand = prng(seed);
  const out: Ev[][] = [];
  let id = 0;
  for (let p = 0; p < o.partitions; p++) {
    const records: Ev[] = [];
    let clock = p === 1 ? -1_500 : randInt(rand, 0, 500);
    let position = randInt(rand, 0, 50);
    for (let i = 0; i < o.perPartition; i++) {
      clock += randInt(rand, 0, 12);
      const roll = rand();
      let t: number;
      if (roll < 0.28) t = clock;
      else if (roll < 0.88) t = clock - randInt(rand, 0, o.maxOutOfOrdernessMs);
      else t = clock - o.maxOutOfOrdernessMs - randInt(rand, 1, o.lateSpreadMs);
      if (rand() < 0.05 && records.length > 0) t = records[records.length - 1]!.t;
      records.push({ id: id++, partition: p, position, t });
      position += rand() < 0.1 ? randInt(rand, 2, 5) : 1;
    }
    out.push(records);
  }
  return out;
}

/**
 * Splits each partition's records into batches of `size` and interleaves the partitions in a
 * seeded random order (the order within a partition is kept).
 */
export function toBatches(byPartition: readonly (readonly Ev[])[], size: number, seed: number): RecordBatch<Ev>[] {
  const rand = prng(seed);
  const queues = byPartition.map((records) => {
    const chunks: Ev[][] = [];
    for (let i = 0; i < records.length; i += size) chunks.push(records.slice(i, i + size));
    return chunks;
  });
  const out: RecordBatch<Ev>[] = [];
  for (;;) {
    const live = queues.map((q, p) => (q.length > 0 ? p : -1)).filter((p) => p >= 0);
    if (live.length === 0) return out;
    const p = live[Math.floor(rand() * live.length)]!;
    out.push(batch(queues[p]!.shift()!));
  }
}

export interface RefConfig {
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly offsetMs: number;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
}

/** One firing, as compared in tests. */
export interface Firing {
  readonly startMs: number;
  readonly endMs: number;
  readonly firing: number;
  readonly ids: number[];
}

/** The partition's progress after one record. */
export interface RefState {
  readonly watermarkMs: number;
  readonly maxTimestampMs: number;
  readonly safePosition: number;
  readonly nextPosition: number;
}

export interface RefPartition {
  /** Firings while the records were processed, in order. */
  readonly firings: Firing[];
  /** Firings of the end-of-input flush, in order. */
  readonly flush: Firing[];
  /** Ids of the late records, in order. */
  readonly late: number[];
  /** State after each record (same index as the input). */
  readonly states: RefState[];
}

/** Starts of every window `[s, s + size)` with `s = offset + k * slide` that contains `t`, latest first. */
export function refWindowStarts(t: number, sizeMs: number, slideMs: number, offsetMs: number): number[] {
  const kMax = Math.floor((t - offsetMs) / slideMs);
  const kMin = Math.ceil((t - sizeMs + 1 - offsetMs) / slideMs);
  const starts: number[] = [];
  for (let k = kMax; k >= kMin; k--) starts.push(offsetMs + k * slideMs);
  return starts;
}

/**
 * Brute-force Flink semantics for one partition's records in order:
 * - watermark = highest time seen so far − outOfOrderness − 1 (before the record);
 * - a record goes to each of its windows with `end − 1 + lateness > watermark`, and is late if none;
 * - adding to a window the watermark has passed (`end − 1 <= watermark`) fires it at once;
 * - after the record, every unfired window with `end − 1 <= watermark` fires, by end then start;
 * - a window is dropped when `end − 1 + lateness <= watermark`;
 * - end of input fires every window that never fired.
 */
export function referencePartition(records: readonly Ev[], c: RefConfig): RefPartition {
  interface W {
    startMs: number;
    endMs: number;
    ids: number[];
    firings: number;
    firstPosition: number;
  }
  const open = new Map<number, W>();
  const firings: Firing[] = [];
  const late: number[] = [];
  const states: RefState[] = [];
  const emit = (w: W, to: Firing[]) => to.push({ startMs: w.startMs, endMs: w.endMs, firing: w.firings++, ids: [...w.ids] });
  let maxTs = -Infinity;
  for (const r of records) {
    const wmBefore = maxTs - c.maxOutOfOrdernessMs - 1;
    let accepted = false;
    for (const s of refWindowStarts(r.t, c.sizeMs, c.slideMs, c.offsetMs)) {
      const e = s + c.sizeMs;
      if (e - 1 + c.allowedLatenessMs <= wmBefore) continue;
      let w = open.get(s);
      if (w === undefined) {
        w = { startMs: s, endMs: e, ids: [], firings: 0, firstPosition: r.position };
        open.set(s, w);
      }
      w.ids.push(r.id);
      accepted = true;
      if (e - 1 <= wmBefore) emit(w, firings);
    }
    if (!accepted) late.push(r.id);
    maxTs = Math.max(maxTs, r.t);
    const wm = maxTs - c.maxOutOfOrdernessMs - 1;
    const due = [...open.values()].filter((w) => w.firings === 0 && w.endMs - 1 <= wm);
    due.sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs);
    for (const w of due) emit(w, firings);
    for (const [s, w] of [...open]) if (w.endMs - 1 + c.allowedLatenessMs <= wm) open.delete(s);
    let safe = r.position + 1;
    for (const w of open.values()) safe = Math.min(safe, w.firstPosition);
    states.push({ watermarkMs: wm, maxTimestampMs: maxTs, safePosition: safe, nextPosition: r.position + 1 });
  }
  const flush: Firing[] = [];
  const rest = [...open.values()].filter((w) => w.firings === 0);
  rest.sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs);
  for (const w of rest) emit(w, flush);
  return { firings, flush, late, states };
}

/** Everything one run of `windowAggregate` produced, as arrays. */
export interface RunOutput<OUT> {
  readonly outputs: WindowedBatch<OUT>[];
  readonly completed: boolean;
}

/** Subscribes synchronously to a finite input and collects the outputs. */
export function runSync<OUT>(
  batches: readonly RecordBatch<Ev>[],
  operator: (source: Observable<RecordBatch<Ev>>) => Observable<WindowedBatch<OUT>>,
): RunOutput<OUT> {
  const outputs: WindowedBatch<OUT>[] = [];
  let completed = false;
  operator(from(batches)).subscribe({
    next: (b) => outputs.push(b),
    complete: () => {
      completed = true;
    },
    error: (e: unknown) => {
      throw e;
    },
  });
  return { outputs, completed };
}

/**
 * Feeds batches without completing the input (a crash or abort: no end-of-input flush),
 * then unsubscribes.
 */
export function runInterrupted<OUT>(
  batches: readonly RecordBatch<Ev>[],
  operator: (source: Observable<RecordBatch<Ev>>) => Observable<WindowedBatch<OUT>>,
): WindowedBatch<OUT>[] {
  const input = new Subject<RecordBatch<Ev>>();
  const outputs: WindowedBatch<OUT>[] = [];
  const sub = operator(input).subscribe({ next: (b) => outputs.push(b) });
  for (const b of batches) input.next(b);
  sub.unsubscribe();
  return outputs;
}

/** The checkpoint a source would store from a partition's last output. */
export function checkpointOf(out: WindowedBatch<unknown>): { commit: number; checkpoint: PartitionCheckpoint } {
  return { commit: out.safePosition, checkpoint: { maxTimestampMs: out.maxTimestampMs, replayUntil: out.nextPosition } };
}

/** The firings of one partition, flattened from the outputs in order. */
export function firingsOf(outputs: readonly WindowedBatch<number[]>[], partition: number): Firing[] {
  return outputs
    .filter((o) => o.partition === partition)
    .flatMap((o) => o.results.map((r) => ({ startMs: r.startMs, endMs: r.endMs, firing: r.firing, ids: r.value })));
}
