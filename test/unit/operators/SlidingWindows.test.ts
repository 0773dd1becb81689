import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { SlidingEventTimeWindows } from '../../../src/operators/SlidingEventTimeWindows.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { windowAggregate } from '../../../src/operators/windowAggregate.js';
import type { WindowAssigner } from '../../../src/operators/WindowAssigner.js';
import { batch, collectIds, evs, firingsOf, runSync, timeOf } from './reference.js';

function run(times: number[], windows: WindowAssigner, maxOutOfOrdernessMs: number, allowedLatenessMs = 0) {
  const { outputs } = runSync(
    evs(0, times).map((r) => batch([r])),
    windowAggregate({ windows, eventTimeOf: timeOf, maxOutOfOrdernessMs, allowedLatenessMs, aggregate: collectIds() }),
  );
  return { outputs, firings: firingsOf(outputs, 0) };
}

describe('SlidingEventTimeWindows.of', () => {
  it('describes hopping windows', () => {
    assert.deepEqual(SlidingEventTimeWindows.of(60_000, 10_000), { kind: 'aligned', sizeMs: 60_000, slideMs: 10_000, offsetMs: 0 });
    assert.deepEqual(SlidingEventTimeWindows.of(60_000, 10_000, 2_000), { kind: 'aligned', sizeMs: 60_000, slideMs: 10_000, offsetMs: 2_000 });
  });

  it('refuses a bad size, a slide outside (0, size] and an offset outside [0, slide)', () => {
    for (const [size, slide, offset] of [
      [0, 1, 0],
      [-10, 5, 0],
      [10.5, 5, 0],
      [10, 0, 0],
      [10, -5, 0],
      [10, 11, 0],
      [10, 2.5, 0],
      [10, 5, 5],
      [10, 5, -1],
      [10, 5, 0.5],
    ] as const) {
      assert.throws(() => SlidingEventTimeWindows.of(size, slide, offset), ConfigError, `${size}/${slide}/${offset}`);
    }
    assert.doesNotThrow(() => SlidingEventTimeWindows.of(10, 10));
    assert.doesNotThrow(() => SlidingEventTimeWindows.of(10, 5, 4));
  });

  it('takes durations with a unit as well as milliseconds', () => {
    assert.deepEqual(SlidingEventTimeWindows.of('1m', '10s'), SlidingEventTimeWindows.of(60_000, 10_000));
    assert.deepEqual(SlidingEventTimeWindows.of('1m', '10s', '2s'), SlidingEventTimeWindows.of(60_000, 10_000, 2_000));
    assert.throws(() => SlidingEventTimeWindows.of('1m', 'often'), ConfigError);
  });

  it(`refuses more than DEFAULTS.maxWindowsPerRecord (${DEFAULTS.maxWindowsPerRecord}) windows per record, naming the smallest slide allowed`, () => {
    const max = DEFAULTS.maxWindowsPerRecord;
    assert.doesNotThrow(() => SlidingEventTimeWindows.of(max, 1), 'exactly the limit');
    assert.doesNotThrow(() => SlidingEventTimeWindows.of(10 * max, 10));
    assert.throws(() => SlidingEventTimeWindows.of(max + 1, 1), ConfigError);
    // ceil(size / slide): 10 * max + 1 ms by 10 ms is max + 1 windows for some records.
    assert.throws(() => SlidingEventTimeWindows.of(10 * max + 1, 10), ConfigError);
    assert.throws(
      () => SlidingEventTimeWindows.of('1d', '1ms'),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /86400000 windows/);
        assert.match(error.message, new RegExp(`at least ${Math.ceil(86_400_000 / max)} ms`));
        return true;
      },
    );
    assert.doesNotThrow(() => SlidingEventTimeWindows.of('1d', `${Math.ceil(86_400_000 / max)}ms`), 'the slide the message names is accepted');
  });

  it('with slide = size behaves as tumbling windows', () => {
    const times = [1, 9, 10, 25, 3, 40, 41];
    const a = run(times, SlidingEventTimeWindows.of(10, 10), 4);
    const b = run(times, TumblingEventTimeWindows.of(10), 4);
    assert.deepEqual(a.firings, b.firings);
    assert.ok(a.firings.length > 0);
  });
});

describe('hopping event-time windows', () => {
  it('puts a record in every window [s, s + size) with s ≡ offset (mod slide) that contains it', () => {
    const cases: [number, number, number][] = [
      [10, 5, 0],
      [10, 3, 0],
      [10, 3, 2],
      [60, 20, 0],
      [7, 7, 0],
      [9, 4, 1],
    ];
    for (const [size, slide, offset] of cases) {
      for (let t = -2 * size; t <= 2 * size; t++) {
        // A huge bound: nothing fires before the flush, which emits each of the record's windows once.
        const { firings } = run([t], SlidingEventTimeWindows.of(size, slide, offset), 1_000_000);
        const expected: number[] = [];
        for (let s = offset - slide * Math.ceil((4 * size) / slide); s <= t; s += slide) if (t < s + size) expected.push(s);
        assert.deepEqual(
          firings.map((f) => f.startMs).sort((x, y) => x - y),
          expected,
          `t=${t} size=${size} slide=${slide} offset=${offset}`,
        );
        for (const f of firings) assert.equal(f.endMs - f.startMs, size);
        // size / slide windows, rounded down or up depending on where t falls
        assert.ok(firings.length === Math.floor(size / slide) || firings.length === Math.ceil(size / slide));
      }
    }
  });

  it('fires each window when the watermark passes its own end, in order of end', () => {
    // size 10, slide 5, ooo 0:
    //  1 → [-5,5) [0,10);  7 → [0,10) [5,15), fires [-5,5);  12 → [5,15) [10,20), fires [0,10);
    //  16 → [10,20) [15,25), fires [5,15);  flush: [10,20), [15,25).
    const { firings, outputs } = run([1, 7, 12, 16], SlidingEventTimeWindows.of(10, 5), 0);
    assert.deepEqual(
      firings.map((f) => [f.startMs, f.endMs, f.ids]),
      [
        [-5, 5, [0]],
        [0, 10, [0, 1]],
        [5, 15, [1, 2]],
        [10, 20, [2, 3]],
        [15, 25, [3]],
      ],
    );
    assert.deepEqual(
      outputs.map((o) => o.results.length),
      [0, 1, 1, 1, 2],
    );
  });

  it('fires several windows passed by one record oldest end first', () => {
    const { outputs } = run([1, 3, 100], SlidingEventTimeWindows.of(10, 5), 0);
    assert.deepEqual(
      outputs[2]!.results.map((r) => [r.startMs, r.value]),
      [
        [-5, [0, 1]],
        [0, [0, 1]],
      ],
    );
  });

  it('keeps a record that is late for its older window but on time for a newer one, and counts it late only when all its windows are closed', () => {
    // size 10, slide 5, ooo 0. After 10 the watermark is 9: [0,10) has fired.
    // 7 belongs to [0,10) (closed) and [5,15) (open): it counts in [5,15) and is not late.
    // 4 belongs to [-5,5) and [0,10), both closed: late.
    const { firings, outputs } = run([6, 10, 7, 4, 20], SlidingEventTimeWindows.of(10, 5), 0);
    assert.deepEqual(firings.find((f) => f.startMs === 5)?.ids, [0, 1, 2]);
    assert.deepEqual(firings.find((f) => f.startMs === 0)?.ids, [0]);
    assert.deepEqual(
      outputs.map((o) => o.lateRecords),
      [0, 0, 0, 1, 0, 0],
    );
  });

  it('re-emits each affected window once per record within the allowed lateness, newest window first', () => {
    // size 10, slide 5, ooo 0, lateness 10. 15 fires [0,10) and [5,15) (watermark 14).
    // 8 belongs to [5,15) and [0,10), both fired and within lateness: both re-emitted, [5,15) first (Flink iterates
    // the assigned windows from the latest start).
    const { outputs } = run([8, 15, 8], SlidingEventTimeWindows.of(10, 5), 0, 10);
    assert.deepEqual(
      outputs[1]!.results.map((r) => [r.startMs, r.firing, r.value]),
      [
        [0, 0, [0]],
        [5, 0, [0]],
      ],
    );
    assert.deepEqual(
      outputs[2]!.results.map((r) => [r.startMs, r.firing, r.value]),
      [
        [5, 1, [0, 2]],
        [0, 1, [0, 2]],
      ],
    );
  });
});
