import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { windowAggregate } from '../../../src/operators/windowAggregate.js';
import type { LateRecord } from '../../../src/operators/WindowResult.js';
import { batch, collectIds, evs, firingsOf, runSync, timeOf, type Ev } from './reference.js';

/** Runs partition 0's records one per batch; ids equal positions (0, 1, 2, …). */
function run(times: number[], sizeMs: number, maxOutOfOrdernessMs: number, offsetMs = 0) {
  const late: LateRecord<Ev>[] = [];
  const records = evs(0, times);
  const { outputs, completed } = runSync(
    records.map((r) => batch([r])),
    windowAggregate({
      windows: TumblingEventTimeWindows.of(sizeMs, offsetMs),
      eventTimeOf: timeOf,
      maxOutOfOrdernessMs,
      aggregate: collectIds(),
      onLate: (l) => late.push(l),
    }),
  );
  assert.equal(completed, true);
  return { outputs, late, firings: firingsOf(outputs, 0) };
}

describe('TumblingEventTimeWindows.of', () => {
  it('describes non-overlapping windows: slide equals size', () => {
    assert.deepEqual(TumblingEventTimeWindows.of(10_000), { kind: 'aligned', sizeMs: 10_000, slideMs: 10_000, offsetMs: 0 });
    assert.deepEqual(TumblingEventTimeWindows.of(60_000, 15_000), { kind: 'aligned', sizeMs: 60_000, slideMs: 60_000, offsetMs: 15_000 });
  });

  it('refuses sizes that are not positive whole milliseconds', () => {
    for (const size of [0, -1, 1.5, NaN, Infinity, 2 ** 53]) {
      assert.throws(() => TumblingEventTimeWindows.of(size), ConfigError, `size ${size}`);
    }
  });

  it('takes durations with a unit as well as milliseconds', () => {
    assert.deepEqual(TumblingEventTimeWindows.of('10s'), TumblingEventTimeWindows.of(10_000));
    assert.deepEqual(TumblingEventTimeWindows.of('1m', '15s'), TumblingEventTimeWindows.of(60_000, 15_000));
    assert.deepEqual(TumblingEventTimeWindows.of('500ms'), TumblingEventTimeWindows.of(500));
    assert.throws(() => TumblingEventTimeWindows.of('ten seconds'), ConfigError);
    assert.throws(() => TumblingEventTimeWindows.of('10s', '10s'), ConfigError, 'an offset of a whole window');
  });

  it('refuses offsets outside [0, size)', () => {
    for (const offset of [-1, 10, 11, 0.5, NaN]) {
      assert.throws(() => TumblingEventTimeWindows.of(10, offset), ConfigError, `offset ${offset}`);
    }
    assert.doesNotThrow(() => TumblingEventTimeWindows.of(10, 9));
  });
});

describe('tumbling event-time windows', () => {
  it('counts in-order records in epoch-aligned [start, end) windows', () => {
    // size 10, out-of-orderness 5: [0,10) fires with the first record at >= 15, [10,20) at >= 25;
    // [20,30) and [30,40) are still open at the end and fire in the flush.
    const { firings, outputs } = run([1, 4, 9, 10, 14, 15, 22, 31], 10, 5);
    assert.deepEqual(
      firings.map((f) => [f.startMs, f.endMs, f.ids]),
      [
        [0, 10, [0, 1, 2]],
        [10, 20, [3, 4, 5]],
        [20, 30, [6]],
        [30, 40, [7]],
      ],
    );
    // [0,10) fired on the 6th batch (time 15), [10,20) on the 8th (time 31).
    assert.deepEqual(
      outputs.slice(0, 8).map((o) => o.results.map((r) => r.startMs)),
      [[], [], [], [], [], [0], [], [10]],
    );
  });

  it('puts a record exactly at a window start in that window and one exactly at its end in the next', () => {
    const { firings } = run([10, 19, 20, 29, 30], 10, 0);
    assert.deepEqual(
      firings.map((f) => [f.startMs, f.ids]),
      [
        [10, [0, 1]],
        [20, [2, 3]],
        [30, [4]],
      ],
    );
  });

  it('fires [start, end) on a record at end + outOfOrderness, not at end + outOfOrderness - 1', () => {
    for (const ooo of [0, 1, 7, 1000]) {
      const end = 100;
      const notYet = run([50, end + ooo - 1], 100, ooo);
      assert.deepEqual(notYet.outputs[1]!.results, [], `ooo ${ooo}: must not fire at ${end + ooo - 1}`);
      assert.equal(notYet.outputs[1]!.watermarkMs, end + ooo - 1 - ooo - 1);
      const fires = run([50, end + ooo], 100, ooo);
      assert.deepEqual(
        fires.outputs[1]!.results.map((r) => [r.startMs, r.endMs, r.value]),
        [[0, 100, [0]]],
        `ooo ${ooo}: must fire at ${end + ooo}`,
      );
      assert.equal(fires.outputs[1]!.watermarkMs, end - 1);
    }
  });

  it('accepts records out of order within the bound', () => {
    // ooo 5: after 14 the watermark is 8, so 3 and 9 are still on time for [0,10).
    const { firings, late } = run([1, 14, 3, 9, 15], 10, 5);
    assert.deepEqual(firings[0], { startMs: 0, endMs: 10, firing: 0, ids: [0, 2, 3] });
    assert.equal(late.length, 0);
  });

  it('drops a record beyond the bound as late: not counted, reported with the watermark', () => {
    // After 15 the watermark is 9 = end - 1 of [0,10), which has fired: 9 and 2 are late.
    const { firings, late, outputs } = run([1, 15, 9, 2, 12], 10, 5);
    assert.deepEqual(firings.find((f) => f.startMs === 0)?.ids, [0]);
    assert.deepEqual(firings.find((f) => f.startMs === 10)?.ids, [1, 4]);
    assert.deepEqual(
      late.map((l) => [l.record.id, l.partition, l.position, l.eventTimeMs, l.watermarkMs]),
      [
        [2, 0, 2, 9, 9],
        [3, 0, 3, 2, 9],
      ],
    );
    assert.deepEqual(
      outputs.map((o) => o.lateRecords),
      [0, 0, 1, 1, 0, 0],
    );
  });

  it('emits nothing for windows without records', () => {
    const { firings } = run([1, 55, 61], 10, 0);
    // [10,20) … [40,50) had no records: no output at all for them.
    assert.deepEqual(
      firings.map((f) => f.startMs),
      [0, 50, 60],
    );
  });

  it('honours the offset', () => {
    // windows [3,13), [13,23): 2 belongs to [-7,3)
    const { firings } = run([2, 3, 12, 13], 10, 0, 3);
    assert.deepEqual(
      firings.map((f) => [f.startMs, f.endMs, f.ids]),
      [
        [-7, 3, [0]],
        [3, 13, [1, 2]],
        [13, 23, [3]],
      ],
    );
  });

  it('handles negative event times', () => {
    const { firings } = run([-15, -11, -10, -1, 0], 10, 0);
    assert.deepEqual(
      firings.map((f) => [f.startMs, f.ids]),
      [
        [-20, [0, 1]],
        [-10, [2, 3]],
        [0, [4]],
      ],
    );
  });
});
