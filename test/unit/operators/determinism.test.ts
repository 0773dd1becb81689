import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { SlidingEventTimeWindows } from '../../../src/operators/SlidingEventTimeWindows.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import type { AlignedWindowAssigner } from '../../../src/operators/WindowAssigner.js';
import { windowAggregate } from '../../../src/operators/windowAggregate.js';
import type { LateRecord, WindowedBatch } from '../../../src/operators/WindowResult.js';
import {
  collectIds,
  firingsOf,
  randomInput,
  referencePartition,
  runInterrupted,
  runSync,
  timeOf,
  toBatches,
  type Ev,
  type RefConfig,
} from './reference.js';

interface Scenario {
  readonly name: string;
  readonly windows: AlignedWindowAssigner;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'tumbling, no lateness', windows: TumblingEventTimeWindows.of(50), maxOutOfOrdernessMs: 30, allowedLatenessMs: 0 },
  { name: 'tumbling with offset and lateness', windows: TumblingEventTimeWindows.of(40, 15), maxOutOfOrdernessMs: 20, allowedLatenessMs: 35 },
  { name: 'hopping with lateness', windows: SlidingEventTimeWindows.of(50, 20), maxOutOfOrdernessMs: 30, allowedLatenessMs: 40 },
  { name: 'hopping, slide not dividing size, zero bound', windows: SlidingEventTimeWindows.of(30, 7, 3), maxOutOfOrdernessMs: 0, allowedLatenessMs: 10 },
];
const SEEDS = [1, 2, 3, 2024];
const BATCH_SIZES = [1, 7, 1000];
const PARTITIONS = 3;

const refConfig = (s: Scenario): RefConfig => ({
  sizeMs: s.windows.sizeMs,
  slideMs: s.windows.slideMs,
  offsetMs: s.windows.offsetMs,
  maxOutOfOrdernessMs: s.maxOutOfOrdernessMs,
  allowedLatenessMs: s.allowedLatenessMs,
});

const input = (seed: number, s: Scenario) =>
  randomInput(seed, { partitions: PARTITIONS, perPartition: 400, maxOutOfOrdernessMs: s.maxOutOfOrdernessMs, lateSpreadMs: 120 });

function run(s: Scenario, batches: readonly RecordBatch<Ev>[]) {
  const late: LateRecord<Ev>[] = [];
  const op = windowAggregate({
    windows: s.windows,
    eventTimeOf: timeOf,
    maxOutOfOrdernessMs: s.maxOutOfOrdernessMs,
    allowedLatenessMs: s.allowedLatenessMs,
    aggregate: collectIds(),
    onLate: (l) => late.push(l),
  });
  const { outputs, completed } = runSync(batches, op);
  assert.equal(completed, true);
  return { outputs, late };
}

/** What one partition produced, in a form independent of how the input was batched. */
function summary(outputs: readonly WindowedBatch<number[]>[], late: readonly LateRecord<Ev>[], partition: number) {
  return {
    firings: firingsOf(outputs, partition),
    late: late.filter((l) => l.partition === partition).map((l) => l.record.id),
    lateRecords: outputs.filter((o) => o.partition === partition).reduce((n, o) => n + o.lateRecords, 0),
  };
}

describe('determinism: any batching gives the brute-force reference result', () => {
  for (const s of SCENARIOS) {
    for (const seed of SEEDS) {
      it(`${s.name}, seed ${seed}`, () => {
        const byPartition = input(seed, s);
        const refs = byPartition.map((records) => referencePartition(records, refConfig(s)));
        // The input must exercise what it claims to: late records, re-emissions, several firings.
        const lateTotal = refs.reduce((n, r) => n + r.late.length, 0);
        assert.ok(lateTotal > 0, 'the random input has late records');
        if (s.allowedLatenessMs > 0) assert.ok(refs.some((r) => r.firings.some((f) => f.firing > 0)), 'and re-emissions');

        const summaries = BATCH_SIZES.map((size) => {
          const batches = toBatches(byPartition, size, seed * 31 + size);
          const { outputs, late } = run(s, batches);

          // Progress after each batch equals the reference state after the batch's last record.
          const seen = new Map<number, number>();
          for (const [i, b] of batches.entries()) {
            const done = (seen.get(b.partition) ?? 0) + b.records.length;
            seen.set(b.partition, done);
            const expected = refs[b.partition]!.states[done - 1]!;
            const o = outputs[i]!;
            assert.equal(o.partition, b.partition);
            assert.deepEqual(
              { watermarkMs: o.watermarkMs, maxTimestampMs: o.maxTimestampMs, safePosition: o.safePosition, nextPosition: o.nextPosition },
              expected,
              `batch size ${size}, batch ${i}`,
            );
          }
          assert.equal(outputs.length, batches.length + PARTITIONS, 'one output per batch, one flush per partition');
          return byPartition.map((_, p) => summary(outputs, late, p));
        });

        for (let p = 0; p < PARTITIONS; p++) {
          const ref = refs[p]!;
          const expected = { firings: [...ref.firings, ...ref.flush], late: ref.late, lateRecords: ref.late.length };
          for (const [k, size] of BATCH_SIZES.entries()) {
            assert.deepEqual(summaries[k]![p], expected, `partition ${p}, batch size ${size}`);
          }
        }
      });
    }
  }
});

describe('determinism: restore + replay + continue equals one uninterrupted run', () => {
  for (const s of SCENARIOS) {
    for (const seed of SEEDS.slice(0, 2)) {
      it(`${s.name}, seed ${seed}`, () => {
        const byPartition = input(seed, s);
        const refs = byPartition.map((records) => referencePartition(records, refConfig(s)));
        const batches = toBatches(byPartition, 7, seed);
        const options = {
          windows: s.windows,
          eventTimeOf: timeOf,
          maxOutOfOrdernessMs: s.maxOutOfOrdernessMs,
          allowedLatenessMs: s.allowedLatenessMs,
          aggregate: collectIds(),
        };
        for (const fraction of [0.1, 0.5, 0.85]) {
          const cut = Math.floor(batches.length * fraction);
          const lateA: LateRecord<Ev>[] = [];
          const first = runInterrupted(batches.slice(0, cut), windowAggregate({ ...options, onLate: (l) => lateA.push(l) }));

          // Each partition resumes from its last committed position, with its checkpoint.
          const resumed = byPartition.map((records, p) => {
            const last = first.filter((o) => o.partition === p).at(-1);
            if (last === undefined) return { records, restore: null, replayUntil: -Infinity };
            return {
              records: records.filter((r) => r.position >= last.safePosition),
              restore: { maxTimestampMs: last.maxTimestampMs, replayUntil: last.nextPosition },
              replayUntil: last.nextPosition,
            };
          });
          const second = toBatches(
            resumed.map((r) => r.records),
            7,
            seed + 99,
          );
          const restored = new Set<number>();
          const secondBatches = second.map((b) => {
            if (restored.has(b.partition)) return b;
            restored.add(b.partition);
            return { ...b, restore: resumed[b.partition]!.restore };
          });
          const lateB: LateRecord<Ev>[] = [];
          const { outputs } = runSync(secondBatches, windowAggregate({ ...options, onLate: (l) => lateB.push(l) }));

          for (let p = 0; p < PARTITIONS; p++) {
            const ref = refs[p]!;
            const label = `cut ${cut}/${batches.length}, partition ${p}`;
            const strip = (fs: { startMs: number; endMs: number; ids: number[] }[]) =>
              fs.map(({ startMs, endMs, ids }) => ({ startMs, endMs, ids }));
            // a batch made only of replayed records emits nothing
            for (const [i, b] of secondBatches.entries()) {
              if (b.partition === p && b.records.every((r) => r.position < resumed[p]!.replayUntil)) {
                assert.deepEqual(outputs[i]!.results, [], `${label}: emitted while replaying`);
              }
            }
            assert.deepEqual(
              strip([...firingsOf(first, p), ...firingsOf(outputs, p)]),
              strip([...ref.firings, ...ref.flush]),
              label,
            );
            assert.deepEqual(
              [...lateA, ...lateB].filter((l) => l.partition === p).map((l) => l.record.id),
              ref.late,
              `${label}: late records routed once each`,
            );
          }
        }
      });
    }
  }
});
