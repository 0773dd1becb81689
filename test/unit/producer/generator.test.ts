import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { parseBurstSpec } from '../../../src/producer/BurstSpec.js';
import { ClickstreamGenerator, type GeneratorOptions } from '../../../src/producer/ClickstreamGenerator.js';
import { SeededRandom } from '../../../src/producer/SeededRandom.js';
import { ZipfSampler } from '../../../src/producer/ZipfSampler.js';

/** Zipf probabilities restated from the definition: p(k) ∝ 1 / (k + 1)^s. */
function zipf(n: number, s: number): number[] {
  const weights = Array.from({ length: n }, (_, k) => 1 / Math.pow(k + 1, s));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

describe('SeededRandom', () => {
  test('the same seed gives the same stream; another seed another one', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const sa = Array.from({ length: 100 }, () => a.next());
    const sb = Array.from({ length: 100 }, () => b.next());
    const sc = Array.from({ length: 100 }, () => c.next());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  test('every bit of a safe-integer seed counts: seeds that differ only above bit 32 give other streams', () => {
    const stream = (seed: number) => {
      const r = new SeededRandom(seed);
      return Array.from({ length: 20 }, () => r.next());
    };
    const pairs: [number, number][] = [
      [1, 2 ** 32 + 1],
      [0, 2 ** 52],
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 2 ** 32],
      [2 ** 33, 2 ** 34],
    ];
    for (const [a, b] of pairs) assert.notDeepEqual(stream(a), stream(b), `seeds ${a} and ${b}`);
  });

  test('a seed must be a whole number from 0 to 2^53 − 1', () => {
    for (const seed of [-1, 1.5, 2 ** 53, Number.NaN]) assert.throws(() => new SeededRandom(seed), RangeError, String(seed));
  });

  test('next() is in [0, 1) and roughly uniform', () => {
    // A seed of 2^32 or more counts with another step; it must be as uniform as mulberry32's own.
    for (const seed of [7, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]) {
      const r = new SeededRandom(seed);
      const buckets = new Array<number>(10).fill(0);
      const n = 100_000;
      for (let i = 0; i < n; i++) {
        const x = r.next();
        assert.ok(x >= 0 && x < 1);
        buckets[Math.floor(x * 10)]!++;
      }
      // Each decile expects 10 000 (sd ≈ 95); allow ±500.
      for (const count of buckets) assert.ok(Math.abs(count - n / 10) < 500, `seed ${seed}: decile count ${count}`);
    }
  });

  test('int(n) stays in [0, n), pick() picks members, hex32() is 32 hex digits', () => {
    const r = new SeededRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const k = r.int(6);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 6);
      seen.add(k);
    }
    assert.equal(seen.size, 6);
    const items = ['a', 'b', 'c'] as const;
    for (let i = 0; i < 100; i++) assert.ok(items.includes(r.pick(items)));
    for (let i = 0; i < 100; i++) assert.match(r.hex32(), /^[0-9a-f]{32}$/);
  });
});

describe('ZipfSampler', () => {
  test('draws ranks with Zipf frequencies: a few hot items and a long tail', () => {
    const n = 200;
    const s = 1.1;
    const sampler = new ZipfSampler(n, s);
    const r = new SeededRandom(99);
    const draws = 200_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) {
      const k = sampler.sample(r);
      assert.ok(Number.isInteger(k) && k >= 0 && k < n);
      counts[k]!++;
    }
    const p = zipf(n, s);
    for (let k = 0; k < 5; k++) {
      const observed = counts[k]! / draws;
      assert.ok(Math.abs(observed - p[k]!) < 0.006, `rank ${k}: observed ${observed}, expected ${p[k]}`);
    }
    // The top 10 of 200 items (5 %) carry about half the draws.
    const top10 = counts.slice(0, 10).reduce((a, b) => a + b, 0) / draws;
    const expectedTop10 = p.slice(0, 10).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(top10 - expectedTop10) < 0.01, `top-10 share ${top10}, expected ${expectedTop10}`);
    assert.ok(top10 > 0.45);
    // The hottest item is drawn about 2^1.1 times as often as the second.
    assert.ok(counts[0]! > counts[1]! && counts[1]! > counts[2]! && counts[2]! > counts[4]!);
  });

  test('exponent 0 is uniform and n = 1 always draws 0', () => {
    const uniform = new ZipfSampler(4, 0);
    const r = new SeededRandom(5);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[uniform.sample(r)]!++;
    for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `count ${c}`);
    const single = new ZipfSampler(1, 1.1);
    for (let i = 0; i < 100; i++) assert.equal(single.sample(r), 0);
  });
});

describe('parseBurstSpec', () => {
  test('reads <status>:<fraction>:<duration>[@<every>]', () => {
    assert.deepEqual(parseBurstSpec('503:0.5:30s@5m'), { status: 503, fraction: 0.5, durationMs: 30_000, everyMs: 300_000 });
    assert.deepEqual(parseBurstSpec('500:1:10s'), { status: 500, fraction: 1, durationMs: 10_000, everyMs: undefined });
    assert.deepEqual(parseBurstSpec(' 404:0:1m@1m '), { status: 404, fraction: 0, durationMs: 60_000, everyMs: 60_000 });
  });

  const bad: [string, RegExp][] = [
    ['', /is not a burst/],
    ['503', /is not a burst/],
    ['503:0.5', /is not a burst/],
    ['50:0.5:10s', /is not a burst/],
    ['5033:0.5:10s', /is not a burst/],
    ['abc:0.5:10s', /is not a burst/],
    ['503:-0.5:10s', /is not a burst/],
    ['700:0.5:10s', /status 700 is not 100–599/],
    ['099:0.5:10s', /status 99 is not 100–599/],
    ['503:1.5:10s', /fraction 1\.5 is not from 0 to 1/],
    ['503:0.1.2:10s', /fraction 0\.1\.2/],
    ['503:0.5:10x', /"10x" is not a duration/],
    ['503:0.5:10s@soon', /"soon" is not a duration/],
    ['503:0.5:1m@30s', /period @30s is shorter than the burst 1m/],
    ['503:0.5:0s', /burst 0s lasts no time/],
    ['503:0.5:0s@0s', /burst 0s lasts no time/],
  ];
  for (const [text, pattern] of bad) {
    test(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseBurstSpec(text),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, String(error));
          assert.equal(error.option, '--burst');
          assert.match(error.message, pattern);
          return true;
        },
      );
    });
  }

  test('errors that are not about the duration show the expected form', () => {
    for (const text of ['503', '700:0.5:10s', '503:2:10s', '503:0.5:1m@30s']) {
      assert.throws(() => parseBurstSpec(text), /503:0\.5:30s@5m/);
    }
  });
});

describe('ClickstreamGenerator', () => {
  const START = Date.UTC(2025, 0, 1);
  const options = (overrides: Partial<GeneratorOptions> = {}): GeneratorOptions => ({
    seed: 7,
    urls: 20,
    users: 50,
    errorRate: 0.1,
    startTimeMs: START,
    eventsPerSecond: 1000,
    bursts: [],
    outOfOrderMs: 0,
    invalidFraction: 0,
    ...overrides,
  });
  const take = (g: ClickstreamGenerator, n: number) => Array.from({ length: n }, () => g.next());

  test('the same options give the same records; another seed other records', () => {
    const a = take(new ClickstreamGenerator(options()), 300);
    const b = take(new ClickstreamGenerator(options()), 300);
    const c = take(new ClickstreamGenerator(options({ seed: 8 })), 300);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.map((r) => r.value), c.map((r) => r.value));
  });

  test('seeds that differ only above bit 32 give other records; a seed beyond 2^53 − 1 is a ConfigError', () => {
    const a = take(new ClickstreamGenerator(options({ seed: 1 })), 50);
    const b = take(new ClickstreamGenerator(options({ seed: 2 ** 32 + 1 })), 50);
    assert.notDeepEqual(a.map((r) => r.value), b.map((r) => r.value));
    for (const seed of [-1, 2 ** 53, 0.5]) {
      assert.throws(
        () => new ClickstreamGenerator(options({ seed })),
        (error: unknown) => error instanceof ConfigError && error.option === '--seed' && /9007199254740991/.test(error.message),
        String(seed),
      );
    }
  });

  test('records follow the schema, are keyed by URL, and follow the seeded timeline', () => {
    const g = new ClickstreamGenerator(options({ eventsPerSecond: 250 }));
    const records = take(g, 1000);
    assert.equal(g.generated, 1000);
    const urls = new Set<string>();
    records.forEach((r, i) => {
      const e = JSON.parse(r.value) as Record<string, unknown>;
      assert.equal(typeof e.user_id, 'string');
      assert.equal(r.key, e.url);
      urls.add(e.url as string);
      assert.ok(Number.isInteger(e.http_status) && (e.http_status as number) >= 100 && (e.http_status as number) <= 599);
      // 250 events/s: record i is at START + floor(i * 4) ms.
      assert.equal(Math.round((e.event_timestamp as number) * 1000), START + i * 4, `record ${i}`);
      for (const f of ['session_id', 'method', 'referrer', 'user_agent', 'event_id']) assert.equal(typeof e[f], 'string', f);
      assert.equal(typeof e.latency_ms, 'number');
    });
    assert.ok(urls.size <= 20);
  });

  test('live mode stamps events with the clock instead of the timeline', () => {
    let now = 5_000_000;
    const g = new ClickstreamGenerator(options({ clock: () => (now += 7) }));
    const times = take(g, 3).map((r) => Math.round((JSON.parse(r.value) as { event_timestamp: number }).event_timestamp * 1000));
    assert.deepEqual(times, [5_000_007, 5_000_014, 5_000_021]);
  });
});
