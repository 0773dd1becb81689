import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AggregateFunction } from '../../../src/operators/AggregateFunction.js';
import { combine } from '../../../src/operators/aggregates/combine.js';
import { count } from '../../../src/operators/aggregates/count.js';
import { keyedBy } from '../../../src/operators/aggregates/keyedBy.js';
import { max } from '../../../src/operators/aggregates/max.js';
import { min } from '../../../src/operators/aggregates/min.js';
import { ratio } from '../../../src/operators/aggregates/ratio.js';
import { sum } from '../../../src/operators/aggregates/sum.js';
import { EventTimeSessionWindows } from '../../../src/operators/EventTimeSessionWindows.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { windowAggregate } from '../../../src/operators/windowAggregate.js';
import { prng, randInt, runSync, timeOf, type Ev } from './reference.js';

interface Hit {
  url: string;
  status: number;
  latency: number;
}

/** Folds values through an aggregate as the engine does: the returned accumulator replaces the old one. */
function fold<IN, ACC, OUT>(agg: AggregateFunction<IN, ACC, OUT>, values: readonly IN[]): OUT {
  let acc = agg.createAccumulator();
  for (const v of values) acc = agg.add(acc, v);
  return agg.getResult(acc);
}

const hits: Hit[] = [
  { url: '/a', status: 200, latency: 12 },
  { url: '/b', status: 404, latency: 3 },
  { url: '/a', status: 500, latency: 250 },
  { url: '/c', status: 503, latency: 80 },
  { url: '/a', status: 301, latency: 7 },
];

describe('count', () => {
  it('counts records', () => {
    assert.equal(fold(count<Hit>(), hits), 5);
    assert.equal(fold(count<Hit>(), []), 0);
  });

  it('gives each window its own accumulator', () => {
    const c = count<number>();
    const a = c.createAccumulator();
    const b = c.createAccumulator();
    c.add(a, 1);
    c.add(a, 2);
    c.add(b, 3);
    assert.equal(c.getResult(a), 2);
    assert.equal(c.getResult(b), 1);
  });

  it('getResult does not disturb the accumulator: later records keep counting', () => {
    const c = count<number>();
    const acc = c.createAccumulator();
    c.add(acc, 1);
    assert.equal(c.getResult(acc), 1);
    c.add(acc, 1);
    assert.equal(c.getResult(acc), 2);
  });
});

describe('sum / min / max', () => {
  it('sum adds the field', () => {
    assert.equal(fold(sum((h: Hit) => h.latency), hits), 12 + 3 + 250 + 80 + 7);
    assert.equal(fold(sum((h: Hit) => h.latency), []), 0);
    assert.equal(fold(sum((x: number) => x), [-5, 2.5, 2.5]), 0);
  });

  it('min and max find the extremes, including negatives', () => {
    assert.equal(fold(min((h: Hit) => h.latency), hits), 3);
    assert.equal(fold(max((h: Hit) => h.latency), hits), 250);
    assert.equal(fold(min((x: number) => x), [4, -9, 0]), -9);
    assert.equal(fold(max((x: number) => x), [-4, -9, -1]), -1);
  });

  it('min and max of nothing are the identities Infinity and -Infinity', () => {
    assert.equal(fold(min((x: number) => x), []), Infinity);
    assert.equal(fold(max((x: number) => x), []), -Infinity);
  });

  it('agree with Math on random data', () => {
    const rand = prng(99);
    for (let round = 0; round < 20; round++) {
      const xs = Array.from({ length: randInt(rand, 1, 50) }, () => randInt(rand, -1_000, 1_000));
      assert.equal(fold(min((x: number) => x), xs), Math.min(...xs));
      assert.equal(fold(max((x: number) => x), xs), Math.max(...xs));
      assert.equal(fold(sum((x: number) => x), xs), xs.reduce((a, b) => a + b, 0));
    }
  });
});

describe('ratio', () => {
  it('keeps both counts and their quotient', () => {
    assert.deepEqual(fold(ratio((h: Hit) => h.status >= 400), hits), { matching: 3, total: 5, ratio: 3 / 5 });
    assert.deepEqual(fold(ratio((h: Hit) => h.status >= 500), hits), { matching: 2, total: 5, ratio: 2 / 5 });
  });

  it('is 0 for an empty window rather than NaN', () => {
    assert.deepEqual(fold(ratio((x: number) => x > 0), []), { matching: 0, total: 0, ratio: 0 });
  });

  it('is 1 when every record matches and 0 when none does', () => {
    assert.equal(fold(ratio((x: number) => x > 0), [1, 2, 3]).ratio, 1);
    assert.equal(fold(ratio((x: number) => x > 9), [1, 2, 3]).ratio, 0);
  });
});

describe('keyedBy', () => {
  it('runs the inner aggregate per key, keys in order of first appearance', () => {
    const result = fold(keyedBy((h: Hit) => h.url, count()), hits);
    assert.deepEqual([...result], [
      ['/a', 3],
      ['/b', 1],
      ['/c', 1],
    ]);
  });

  it('supports any inner aggregate and non-string keys', () => {
    const result = fold(
      keyedBy((h: Hit) => Math.floor(h.status / 100), max((h: Hit) => h.latency)),
      hits,
    );
    assert.deepEqual([...result], [
      [2, 12],
      [4, 3],
      [5, 250],
      [3, 7],
    ]);
  });

  it('stores the new accumulator when the inner aggregate returns another object', () => {
    // An immutable inner aggregate: add returns a fresh array each time.
    const list: AggregateFunction<Hit, readonly number[], number[]> = {
      createAccumulator: () => [],
      add: (acc, h) => [...acc, h.latency],
      getResult: (acc) => [...acc],
    };
    const result = fold(keyedBy((h: Hit) => h.url, list), hits);
    assert.deepEqual(result.get('/a'), [12, 250, 7]);
    assert.deepEqual(result.get('/c'), [80]);
  });

  it('returns a snapshot: later records do not change an emitted result', () => {
    const agg = keyedBy((h: Hit) => h.url, count());
    const acc = agg.createAccumulator();
    agg.add(acc, hits[0]!);
    const first = agg.getResult(acc);
    agg.add(acc, hits[0]!);
    assert.equal(first.get('/a'), 1);
    assert.equal(agg.getResult(acc).get('/a'), 2);
  });

  it('an empty window has an empty map', () => {
    assert.equal(fold(keyedBy((h: Hit) => h.url, count()), []).size, 0);
  });
});

describe('combine', () => {
  const combined = () =>
    combine({
      total: count<Hit>(),
      perUrl: keyedBy((h: Hit) => h.url, count()),
      errors: ratio((h: Hit) => h.status >= 400),
      slowest: max((h: Hit) => h.latency),
      fastest: min((h: Hit) => h.latency),
      latency: sum((h: Hit) => h.latency),
    });

  it('createAccumulator builds one accumulator per named aggregate', () => {
    const acc = combined().createAccumulator();
    assert.deepEqual(Object.keys(acc).sort(), ['errors', 'fastest', 'latency', 'perUrl', 'slowest', 'total']);
    assert.deepEqual(acc.total, { n: 0 });
    assert.ok(acc.perUrl instanceof Map);
  });

  it('add feeds every record to every part; getResult names each result', () => {
    const result = fold(combined(), hits);
    assert.equal(result.total, 5);
    assert.deepEqual([...result.perUrl], [
      ['/a', 3],
      ['/b', 1],
      ['/c', 1],
    ]);
    assert.deepEqual(result.errors, { matching: 3, total: 5, ratio: 0.6 });
    assert.equal(result.slowest, 250);
    assert.equal(result.fastest, 3);
    assert.equal(result.latency, 352);
  });

  it('equals each part computed alone, on random data', () => {
    const rand = prng(1234);
    const urls = ['/x', '/y', '/z', '/w'];
    const data: Hit[] = Array.from({ length: 300 }, () => ({
      url: urls[randInt(rand, 0, 3)]!,
      status: randInt(rand, 100, 599),
      latency: randInt(rand, 0, 2_000),
    }));
    const result = fold(combined(), data);
    assert.equal(result.total, fold(count<Hit>(), data));
    assert.deepEqual(result.perUrl, fold(keyedBy((h: Hit) => h.url, count()), data));
    assert.deepEqual(result.errors, fold(ratio((h: Hit) => h.status >= 400), data));
    assert.equal(result.slowest, Math.max(...data.map((h) => h.latency)));
    assert.equal(result.fastest, Math.min(...data.map((h) => h.latency)));
  });

  it('replaces the accumulator of a part whose add returns another object', () => {
    const agg = combine({
      seen: {
        createAccumulator: (): readonly string[] => [],
        add: (acc: readonly string[], h: Hit) => [...acc, h.url],
        getResult: (acc: readonly string[]) => acc.join(','),
      },
      n: count<Hit>(),
    });
    assert.deepEqual(fold(agg, hits), { seen: '/a,/b,/a,/c,/a', n: 5 });
  });

  it('of no aggregates yields an empty object', () => {
    assert.deepEqual(fold(combine({}), [1, 2]), {});
  });
});

describe('merge (what session windows need)', () => {
  /** Folds `values` from a fresh accumulator, without reading the result. */
  function accOf<IN, ACC, OUT>(agg: AggregateFunction<IN, ACC, OUT>, values: readonly IN[]): ACC {
    let acc = agg.createAccumulator();
    for (const v of values) acc = agg.add(acc, v);
    return acc;
  }

  const builtIns = (): [string, AggregateFunction<Hit, any, unknown>][] => [
    ['count', count<Hit>()],
    ['sum', sum((h: Hit) => h.latency)],
    ['min', min((h: Hit) => h.latency)],
    ['max', max((h: Hit) => h.latency)],
    ['ratio', ratio((h: Hit) => h.status >= 400)],
    ['keyedBy', keyedBy((h: Hit) => h.url, count())],
    ['keyedBy(max)', keyedBy((h: Hit) => h.status, max((h: Hit) => h.latency))],
    [
      'combine',
      combine({ n: count<Hit>(), perUrl: keyedBy((h: Hit) => h.url, sum((h: Hit) => h.latency)), errors: ratio((h: Hit) => h.status >= 500) }),
    ],
  ];

  it('every built-in aggregate has merge', () => {
    for (const [name, agg] of builtIns()) assert.equal(typeof agg.merge, 'function', name);
  });

  it('merging the accumulators of two halves equals folding the whole, for every split, on random data', () => {
    const rand = prng(77);
    const urls = ['/a', '/b', '/c'];
    for (let round = 0; round < 30; round++) {
      const data: Hit[] = Array.from({ length: randInt(rand, 0, 25) }, () => ({
        url: urls[randInt(rand, 0, 2)]!,
        status: randInt(rand, 100, 599),
        latency: randInt(rand, -50, 2_000),
      }));
      const cut = randInt(rand, 0, data.length);
      for (const [name, agg] of builtIns()) {
        const merged = agg.merge!(accOf(agg, data.slice(0, cut)), accOf(agg, data.slice(cut)));
        assert.deepEqual(agg.getResult(merged), fold(agg, data), `${name}, round ${round}, cut ${cut}/${data.length}`);
      }
    }
  });

  it('a merged accumulator keeps counting: adding after a merge equals folding everything', () => {
    for (const [name, agg] of builtIns()) {
      let acc = agg.merge!(accOf(agg, hits.slice(0, 2)), accOf(agg, hits.slice(2, 4)));
      acc = agg.add(acc, hits[4]!);
      assert.deepEqual(agg.getResult(acc), fold(agg, hits), name);
    }
  });

  it('combine refuses to merge a part without merge, naming the fix', () => {
    const agg = combine({
      n: count<Hit>(),
      noMerge: { createAccumulator: () => 0, add: (acc: number) => acc + 1, getResult: (acc: number) => acc },
    });
    assert.throws(() => agg.merge!(agg.createAccumulator(), agg.createAccumulator()), /merge\(a, b\)/);
  });

  it('session windows refuse a combine or keyedBy with a part without merge when they are built, not at the first merge', () => {
    const noMerge: AggregateFunction<Ev, number, number> = { createAccumulator: () => 0, add: (acc) => acc + 1, getResult: (acc) => acc };
    const sessions = <ACC, OUT>(aggregate: AggregateFunction<Ev, ACC, OUT>) =>
      windowAggregate({ windows: EventTimeSessionWindows.withGap(10), eventTimeOf: timeOf, maxOutOfOrdernessMs: 0, aggregate });
    assert.throws(() => sessions(combine({ n: count<Ev>(), noMerge })), /merge\(a, b\)/);
    assert.throws(() => sessions(keyedBy((e: Ev) => e.id, noMerge)), /merge\(a, b\)/);
    assert.doesNotThrow(() => sessions(combine({ n: count<Ev>(), perId: keyedBy((e: Ev) => e.id, count<Ev>()) })));
  });
});

describe('aggregates inside windows', () => {
  it('each window folds only its own records', () => {
    const records: Ev[] = [1, 2, 11, 12, 13, 25].map((t, i) => ({ id: i, partition: 0, position: i, t }));
    const { outputs } = runSync(
      [{ partition: 0, records }],
      windowAggregate({
        windows: TumblingEventTimeWindows.of(10),
        eventTimeOf: timeOf,
        maxOutOfOrdernessMs: 0,
        aggregate: combine({ n: count<Ev>(), s: sum((e: Ev) => e.t), hi: max((e: Ev) => e.t) }),
      }),
    );
    const results = outputs.flatMap((o) => o.results).map((r) => [r.startMs, r.value]);
    assert.deepEqual(results, [
      [0, { n: 2, s: 3, hi: 2 }],
      [10, { n: 3, s: 36, hi: 13 }],
      [20, { n: 1, s: 25, hi: 25 }],
    ]);
  });
});
