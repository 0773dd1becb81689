import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { from, lastValueFrom, toArray } from 'rxjs';
import { latenessRule } from '../../../src/operators/latenessRule.js';
import { moveByKey } from '../../../src/operators/moveByKey.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { EventTimeSessionWindows } from '../../../src/operators/EventTimeSessionWindows.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { windowAggregate } from '../../../src/operators/windowAggregate.js';
import type { LateRecord, WindowResult } from '../../../src/operators/WindowResult.js';
import { windowStart } from '../../../src/operators/windowStart.js';
import type { WindowAssigner } from '../../../src/operators/WindowAssigner.js';
import { collectSessionIds, offlineSessions, randomSessionInput, sessionBatches, type SEv } from './sessionReference.js';

const PARTITIONS = 3;
const MAX_OOO = 400;

/**
 * The reference, written without the operators: each partition's watermark from its own
 * records (highest time − bound − 1, before the record), a record late at its partition by the
 * window's own rule, and every other record of a key, from every partition, in one place.
 */
function onTimeAtSource(byPartition: readonly (readonly SEv[])[], isLateAt: (t: number, watermarkMs: number) => boolean) {
  const onTime: SEv[] = [];
  const late: number[] = [];
  for (const records of byPartition) {
    let max = -Infinity;
    for (const r of records) {
      const watermarkMs = max - MAX_OOO - 1;
      if (isLateAt(r.t, watermarkMs)) late.push(r.id);
      else onTime.push(r);
      if (r.t > max) max = r.t;
    }
  }
  return { onTime, late: late.sort((a, b) => a - b) };
}

/** Runs move → window over the batches with the source's own times attached. */
async function runMoved<OUT>(
  batches: readonly RecordBatch<SEv>[],
  windows: WindowAssigner,
  allowedLatenessMs: number,
  aggregate: Parameters<typeof windowAggregate<SEv, unknown, OUT, string>>[0]['aggregate'],
) {
  const late: LateRecord<SEv>[] = [];
  const timed = batches.map((b) => ({ ...b, timestampsMs: b.records.map((r) => r.t) }));
  const shiftMs = windows.kind === 'session' ? windows.gapMs + allowedLatenessMs : allowedLatenessMs;
  const outputs = await lastValueFrom(
    from(timed).pipe(
      moveByKey<SEv>({ keyOf: (r) => r.key, partitions: PARTITIONS, maxOutOfOrdernessMs: MAX_OOO, isLate: latenessRule(windows, allowedLatenessMs), onLate: (l) => late.push(l) }),
      windowAggregate<SEv, unknown, OUT, string>({ windows, keyOf: (r) => r.key, maxOutOfOrdernessMs: MAX_OOO, allowedLatenessMs, aggregate, carriedWatermarkShiftMs: shiftMs, nowMs: () => 0 }),
      toArray(),
    ),
  );
  return { results: outputs.flatMap((o) => o.results) as WindowResult<OUT, string>[], late: late.map((l) => l.record.id).sort((a, b) => a - b) };
}

const input = (seed: number) =>
  randomSessionInput(seed, { partitions: PARTITIONS, perPartition: 700, keys: 25, maxStepMs: 60, maxOutOfOrdernessMs: MAX_OOO, lateSpreadMs: 3_000 });

describe('moveByKey before session windows', () => {
  for (const allowedLatenessMs of [0, 700]) {
    test(`every key's sessions hold its on-time records from all partitions, fire once, and do not depend on how partitions interleave (lateness ${allowedLatenessMs} ms)`, async () => {
      const windows = EventTimeSessionWindows.withGap(500);
      for (const seed of [1, 2, 3, 4]) {
        const byPartition = input(seed);
        const { onTime, late } = onTimeAtSource(byPartition, latenessRule(windows, allowedLatenessMs));
        assert.ok(late.length > 20, `seed ${seed}: some records are late at their partition (${late.length})`);
        const expected = offlineSessions(onTime, windows.gapMs).map((s) => JSON.stringify(s));
        // Keys really are spread: most keys have records in every partition.
        const spread = new Set(byPartition.map((records) => new Set(records.map((r) => r.key))).reduce((a, b) => [...a].filter((k) => b.has(k)) as never));
        assert.ok(spread.size > 10, `keys in every partition: ${spread.size}`);
        for (const [size, order] of [[1, 1], [7, 2], [50, 3], [700, 4]] as const) {
          const run = await runMoved(sessionBatches(byPartition, size, seed * 10 + order), windows, allowedLatenessMs, collectSessionIds());
          const got = run.results
            .map((r) => ({ key: r.key, startMs: r.startMs, endMs: r.endMs, ids: [...r.value].sort((a, b) => a - b) }))
            .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.startMs - b.startMs))
            .map((s) => JSON.stringify(s));
          assert.deepEqual(got, expected, `seed ${seed}, batches of ${size}, order ${order}`);
          assert.ok(run.results.every((r) => r.firing === 0), 'each session fires once: nothing on time can merge into it later');
          assert.deepEqual(run.late, late, 'late records are those late at their own partition');
        }
      }
    });
  }
});

describe('moveByKey before tumbling windows', () => {
  test('each key and window counts its on-time records from every partition, the same for any interleaving', async () => {
    const windows = TumblingEventTimeWindows.of(300);
    const count = { createAccumulator: () => 0, add: (n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b };
    for (const seed of [5, 6]) {
      const byPartition = input(seed);
      const { onTime, late } = onTimeAtSource(byPartition, latenessRule(windows, 0));
      const expected = new Map<string, number>();
      for (const r of onTime) {
        const k = `${r.key}@${windowStart(r.t, 0, 300)}`;
        expected.set(k, (expected.get(k) ?? 0) + 1);
      }
      for (const [size, order] of [[3, 1], [64, 2]] as const) {
        const run = await runMoved(sessionBatches(byPartition, size, order), windows, 0, count);
        const got = new Map(run.results.map((r) => [`${r.key}@${r.startMs}`, r.value]));
        assert.equal(got.size, run.results.length, 'one firing per key and window');
        assert.deepEqual(got, expected, `seed ${seed}, batches of ${size}`);
        assert.deepEqual(run.late, late);
      }
    }
  });

  test('a window fires only once every partition has passed it: the slowest partition holds it', async () => {
    const windows = TumblingEventTimeWindows.of(100);
    const at = (partition: number, t: number, key: string): RecordBatch<SEv> => ({
      partition,
      records: [{ id: t, partition, position: 0, t, key }],
      timestampsMs: [t],
    });
    const outputs = await lastValueFrom(
      from([at(0, 10, 'a'), at(0, 500, 'b'), at(1, 20, 'a'), at(2, 30, 'a'), at(1, 600, 'b'), at(2, 700, 'b')]).pipe(
        moveByKey<SEv>({ keyOf: (r) => r.key, partitions: 3, maxOutOfOrdernessMs: 0, isLate: latenessRule(windows, 0) }),
        windowAggregate<SEv, number, number, string>({
          windows,
          keyOf: (r) => r.key,
          maxOutOfOrdernessMs: 0,
          aggregate: { createAccumulator: () => 0, add: (n) => n + 1, getResult: (n) => n },
          carriedWatermarkShiftMs: 0,
          nowMs: () => 0,
        }),
        toArray(),
      ),
    );
    // Window [0, 100) of key a has one record from each partition; it fires when partition 2 passes 99.
    const firstFiring = outputs.findIndex((o) => o.results.length > 0);
    assert.deepEqual(outputs[firstFiring]!.results.map((r) => [r.key, r.startMs, r.value]), [['a', 0, 3]]);
    const firing = outputs[firstFiring]!;
    assert.equal(firing.watermarkMs, 499, 'when partition 2, the slowest, reached 700 (watermark 699): the minimum is partition 0’s 499');
    assert.ok(outputs.slice(0, firstFiring).filter((o) => o.partition === firing.partition).every((o) => o.watermarkMs < 99), 'not before');
  });
});
