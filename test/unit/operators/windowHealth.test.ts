import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { count } from '../../../src/operators/aggregates/count.js';
import { EventTimeSessionWindows } from '../../../src/operators/EventTimeSessionWindows.js';
import { LateByHistogram } from '../../../src/operators/LateByHistogram.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import type { WindowAssigner } from '../../../src/operators/WindowAssigner.js';
import { windowAggregate } from '../../../src/operators/windowAggregate.js';
import type { WindowedBatch } from '../../../src/operators/WindowResult.js';
import type { WindowHealth } from '../../../src/operators/WindowHealth.js';
import { batch, evs, timeOf, type Ev } from './reference.js';

const NOW_MS = 1_000_000;

/** `start#firing: health` of every firing, in order. */
async function healthOf(batches: RecordBatch<Ev>[], windows: WindowAssigner = TumblingEventTimeWindows.of(10)): Promise<string[]> {
  const out = await lastValueFrom(
    from(batches).pipe(
      windowAggregate<Ev, { n: number }, number>({ windows, eventTimeOf: timeOf, maxOutOfOrdernessMs: 0, aggregate: count(), nowMs: () => NOW_MS }),
      toArray(),
    ),
  );
  return (out as WindowedBatch<number>[]).flatMap((b) => b.results.map((r) => `${r.startMs}#${r.firing}: ${show(r.health)}`));
}

const show = (h: WindowHealth) =>
  `records=${h.records} late=${h.lateRecords} invalid=${h.invalidRecords} lag=${h.watermarkLagMs} max=${h.lateByMaxMs} p99=${h.lateByP99Ms}`;

/** Records at `times` from position 0, with the positions in `invalid` taken by invalid records instead. */
function partitionInput(times: number[], invalid: number[]): { records: Ev[]; invalid: number[] } {
  const records: Ev[] = [];
  let position = 0;
  for (const t of times) {
    while (invalid.includes(position)) position++;
    records.push({ id: position, partition: 0, position, t });
    position++;
  }
  return { records, invalid };
}

/** The input cut into batches of `size` records, each carrying the invalid positions in its range. */
function batched(input: { records: Ev[]; invalid: number[] }, size: number): RecordBatch<Ev>[] {
  const batches: RecordBatch<Ev>[] = [];
  let from = 0;
  for (let i = 0; i < input.records.length; i += size) {
    const records = input.records.slice(i, i + size);
    const end = records[records.length - 1]!.position + 1;
    const invalidPositions = input.invalid.filter((p) => p >= from && p < end);
    batches.push({ partition: 0, records, positions: records.map((r) => r.position), ...(invalidPositions.length > 0 ? { invalidPositions } : {}) });
    from = end;
  }
  return batches;
}

describe('window health: late and invalid records reach the next firing of their partition', () => {
  // Positions: 0:t1 1:t2 2:invalid 3:t12 (fires [0,10)) 4:t3 late 5:invalid 6:t5 late 7:t25 (fires [10,20)) 8:t21
  const input = partitionInput([1, 2, 12, 3, 5, 25, 21], [2, 5]);

  it('counts each one once, at the first firing after it was read', async () => {
    assert.deepEqual(await healthOf(batched(input, 100)), [
      `0#0: records=2 late=0 invalid=1 lag=${NOW_MS - 11} max=0 p99=0`,
      `10#0: records=1 late=2 invalid=1 lag=${NOW_MS - 24} max=8 p99=8`,
      `20#0: records=2 late=0 invalid=0 lag=${NOW_MS - 24} max=0 p99=0`,
    ]);
  });

  it('gives the same counts however the source batches the records', async () => {
    const whole = await healthOf(batched(input, 100));
    for (const size of [1, 2, 3]) assert.deepEqual(await healthOf(batched(input, size)), whole, `batches of ${size}`);
  });

  it('an invalid record after the firing record waits for the next firing', async () => {
    // 0:t1 1:t15 (fires [0,10)) 2:invalid 3:t16; the end of input fires [10,20).
    const health = await healthOf(batched(partitionInput([1, 15, 16], [2]), 100));
    assert.match(health[0]!, /^0#0: records=1 late=0 invalid=0 /);
    assert.match(health[1]!, /^10#0: records=2 late=0 invalid=1 /);
  });

  it('late-by is the watermark at arrival minus the event time: max and nearest-rank p99', async () => {
    // The watermark after t=210 is 209; records at 199 - k are late by 10 + k.
    const late = Array.from({ length: 100 }, (_, k) => 199 - k);
    const health = await healthOf(batched(partitionInput([210, ...late, 230], []), 7));
    const firing = health.find((h) => h.startsWith('210#0'))!;
    assert.match(firing, / late=100 /);
    assert.match(firing, / max=109 p99=108$/);
  });

  it('session windows carry the same health', async () => {
    // Gap 5: sessions [1,7) and [20,25); 3 arrives after the watermark passed 6: late by 16.
    const health = await healthOf(batched(partitionInput([1, 2, 20, 3], [1]), 100), EventTimeSessionWindows.withGap(5));
    assert.deepEqual(health, [`1#0: records=2 late=0 invalid=1 lag=${NOW_MS - 19} max=0 p99=0`, `20#0: records=1 late=1 invalid=0 lag=${NOW_MS - 19} max=16 p99=16`]);
  });
});

describe('window health: the watermark lag', () => {
  for (const [name, windows] of [['tumbling', TumblingEventTimeWindows.of(10)], ['session', EventTimeSessionWindows.withGap(5)]] as const) {
    it(`${name} windows: the firings of one batch share one reading of the clock, the next batch reads it again`, async () => {
      // A clock that moves on 1 s each time it is read: how often it was read shows in the lags.
      let reads = 0;
      const nowMs = () => NOW_MS + 1_000 * ++reads;
      // Three keys open three windows; the record at 100 fires them all, the one at 200 the window of the one at 100.
      const out = await lastValueFrom(
        from([batch(evs(0, [0, 1, 2])), batch(evs(0, [100], 3)), batch(evs(0, [200], 4))]).pipe(
          windowAggregate<Ev, { n: number }, number, number>({ windows, eventTimeOf: timeOf, keyOf: (e) => e.id, maxOutOfOrdernessMs: 0, aggregate: count(), nowMs }),
          toArray(),
        ),
      );
      const lags = (out as WindowedBatch<number, number>[]).map((b) => b.results.map((r) => r.health.watermarkLagMs));
      assert.deepEqual(lags.map((l) => l.length), [0, 3, 1, 1], 'three firings in the second batch, one in the third, one at the end of input');
      assert.deepEqual(lags[1], [NOW_MS + 1_000 - 99, NOW_MS + 1_000 - 99, NOW_MS + 1_000 - 99], 'one reading for the second batch');
      assert.deepEqual(lags[2], [NOW_MS + 2_000 - 199], 'a new reading for the third');
      assert.equal(reads, 3);
    });
  }
});

describe('LateByHistogram', () => {
  it('is exact below 128 ms and within 1/64 above, never above the maximum', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 10_000_000 })), { minLength: 1, maxLength: 300 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (values, q) => {
        const histogram = new LateByHistogram();
        for (const v of values) histogram.add(v);
        const sorted = [...values].sort((a, b) => a - b);
        const exact = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
        const got = histogram.quantileMs(q);
        assert.equal(histogram.maxMs, sorted[sorted.length - 1]);
        assert.ok(got >= exact && got <= Math.max(exact, exact + exact / 64), `q=${q}: ${got} for ${exact}`);
        if (exact < 128) assert.equal(got, exact);
        assert.ok(got <= histogram.maxMs);
      }),
    );
  });

  it('counts values up to the largest safe integer', () => {
    const histogram = new LateByHistogram();
    for (const v of [2 ** 52, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER]) histogram.add(v);
    assert.equal(histogram.count, 3);
    assert.equal(histogram.quantileMs(0.99), Number.MAX_SAFE_INTEGER);
    assert.equal(histogram.quantileMs(0.3), 2 ** 52 + 2 ** 46 - 1, 'the upper bound of the first bucket of 2^52');
  });

  it('reset forgets every value', () => {
    const histogram = new LateByHistogram();
    histogram.add(5_000);
    histogram.reset();
    histogram.add(3);
    assert.equal(histogram.quantileMs(0.99), 3);
    assert.equal(histogram.maxMs, 3);
    assert.equal(histogram.count, 1);
  });
});
