import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { from } from 'rxjs';
import { clickEvents } from '../../../src/api/clickEvents.js';
import { job } from '../../../src/api/job.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import type { ClickEvent } from '../../../src/events/ClickEvent.js';
import type { AggregateFunction } from '../../../src/operators/AggregateFunction.js';
import { count } from '../../../src/operators/aggregates/count.js';
import { keyedBy } from '../../../src/operators/aggregates/keyedBy.js';
import { max } from '../../../src/operators/aggregates/max.js';
import { EventTimeSessionWindows } from '../../../src/operators/EventTimeSessionWindows.js';
import { SlidingEventTimeWindows } from '../../../src/operators/SlidingEventTimeWindows.js';
import { EventTimeTrigger } from '../../../src/operators/Trigger.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { Point } from '../../../src/points/Point.js';
import { startJob } from '../../../src/runtime/startJob.js';
import { prng, randInt } from '../operators/reference.js';
import { connector, fakeSource, RecordingPointSink } from '../runtime/fakes.js';
import { click, collect, raw, runPipeline, T0 } from './harness.js';

/** Seeded clicks over `partitions`, out of order within 8 s, some late, many URLs; batches of 5. */
function randomClicks(seed: number, partitions = 2, perPartition = 300) {
  const rand = prng(seed);
  const batches = [];
  for (let p = 0; p < partitions; p++) {
    const records: string[] = [];
    let clock = T0 * 1000;
    for (let i = 0; i < perPartition; i++) {
      clock += randInt(rand, 0, 400);
      const lag = rand() < 0.85 ? randInt(rand, 0, 3_000) : randInt(rand, 3_000, 20_000);
      const url = `/p${randInt(rand, 0, 14)}`;
      records.push(click(url, rand() < 0.2 ? 500 : 200, (clock - lag) / 1000));
    }
    for (let i = 0; i < records.length; i += 5) batches.push(raw(p, records.slice(i, i + 5), i));
  }
  return batches;
}

describe('keyBy', () => {
  for (const lateness of [0, 4_000]) {
    test(`keyBy on the source's partitioning gives one result per partition and key, equal to keyedBy over the window (allowed lateness ${lateness} ms)`, async () => {
      const keyed = job('keyed')
        .from(clickEvents())
        .withMaxOutOfOrderness('3s')
        .keyBy((e) => e.url, { sourcePartitioned: true })
        .window(TumblingEventTimeWindows.of('10s'))
        .allowedLateness(lateness)
        .aggregate(count())
        .toPoints((w, point) => point('hits').tag('url', w.key).intField('n', w.value).intField('firing', w.firing));
      const inWindow = job('in-window')
        .from(clickEvents())
        .withMaxOutOfOrderness('3s')
        .window(TumblingEventTimeWindows.of('10s'))
        .allowedLateness(lateness)
        .aggregate(keyedBy((e: ClickEvent) => e.url, count()))
        .toPoints((w, point) => [...w.value].map(([url, n]) => point('hits').tag('url', url).intField('n', n).intField('firing', w.firing)));
      for (const seed of [1, 2, 3]) {
        const batches = randomClicks(seed);
        const a = await runPipeline(keyed, batches);
        const b = await runPipeline(inWindow, batches);
        assert.ok(a.lines.length > 20, `seed ${seed}: enough output (${a.lines.length} points)`);
        assert.ok(a.late.length > 0, `seed ${seed}: some records are late`);
        assert.deepEqual(a.lines, b.lines, `seed ${seed}`);
        assert.deepEqual(a.late.map((l) => l.position), b.late.map((l) => l.position));
        if (lateness > 0) assert.ok(a.lines.some((l) => l.includes('firing=1i')), 'and re-emissions');
        // One result per (partition, window, key, firing).
        const series = a.lines.map((l) => l.replace(/ n=\d+i/, ''));
        assert.equal(new Set(series).size, series.length, 'no (window, key) twice in one firing');
        // Each result's key is the key of its records: the sum over keys is the window's total.
        const total = await runPipeline(
          job('total').from(clickEvents()).withMaxOutOfOrderness('3s').window(TumblingEventTimeWindows.of('10s')).allowedLateness(lateness).aggregate(count()).toPoints((w, point) => point('t').intField('n', w.value).intField('firing', w.firing)),
          batches,
        );
        const sums = new Map<string, number>();
        for (const line of a.lines) {
          const [, partition, firing, ts] = /partition=(\d+),.*firing=(\d+)i (\d+)$/.exec(line)!;
          const n = Number(/ n=(\d+)i/.exec(line)![1]);
          const k = `${partition}/${firing}/${ts}`;
          sums.set(k, (sums.get(k) ?? 0) + n);
        }
        for (const line of total.lines.filter((l) => l.includes('firing=0i'))) {
          const [, partition, n, firing, ts] = /partition=(\d+) n=(\d+)i,firing=(\d+)i (\d+)$/.exec(line)!;
          assert.equal(sums.get(`${partition}/${firing}/${ts}`), Number(n), line);
        }
      }
    });
  }

  test('keyed session windows through the API: one session per user, tagged with the key and not with a partition (the records moved)', async () => {
    const sessions = job('visits')
      .from(clickEvents())
      .withMaxOutOfOrderness(0)
      .keyBy((e) => e.user_id)
      .window(EventTimeSessionWindows.withGap('30s'))
      .aggregate(collect<ClickEvent>())
      .toPoints((w, point) => point('visits').tag('user', w.key).intField('pages', w.value.length).intField('length_ms', w.endMs - w.startMs));
    const records = [
      click('/a', 200, T0, { user_id: 'ann' }),
      click('/b', 200, T0 + 10, { user_id: 'bob' }),
      click('/c', 200, T0 + 20, { user_id: 'ann' }),
      click('/d', 200, T0 + 100, { user_id: 'ann' }), // fires ann [T0, T0+50) and bob [T0+10, T0+40)
    ];
    const run = await runPipeline(sessions, [raw(0, records)]);
    assert.deepEqual(run.lines, [
      `visits,user=bob pages=1i,length_ms=30000i ${T0 + 10}000000000`,
      `visits,user=ann pages=2i,length_ms=50000i ${T0}000000000`,
      `visits,user=ann pages=1i,length_ms=30000i ${T0 + 100}000000000`,
    ]);
  });
});

describe('settings and parameters', () => {
  const tumbling = job('t')
    .from(clickEvents())
    .window(TumblingEventTimeWindows.of('10s'))
    .aggregate(count())
    .toPoints((w, point) => point('n').intField('n', w.value));

  test('settings() reports what the job declares, with the defaults for what it does not', () => {
    assert.deepEqual(tumbling.settings(), {
      windows: { kind: 'aligned', sizeMs: 10_000, slideMs: 10_000, offsetMs: 0 },
      trigger: EventTimeTrigger,
      maxOutOfOrdernessMs: DEFAULTS.maxOutOfOrdernessMs,
      allowedLatenessMs: DEFAULTS.allowedLatenessMs,
    });
    const declared = job('d')
      .from(clickEvents())
      .withMaxOutOfOrderness('2s')
      .keyBy((e) => e.url)
      .window(SlidingEventTimeWindows.of('1m', '15s'))
      .allowedLateness('30s')
      .aggregate(count())
      .toPoints((w, point) => point('n').intField('n', w.value));
    assert.deepEqual(declared.settings(), {
      windows: { kind: 'aligned', sizeMs: 60_000, slideMs: 15_000, offsetMs: 0 },
      trigger: EventTimeTrigger,
      maxOutOfOrdernessMs: 2_000,
      allowedLatenessMs: 30_000,
    });
    assert.deepEqual(declared.settings({ maxOutOfOrdernessMs: 0, allowedLatenessMs: 1 }), { ...declared.settings(), maxOutOfOrdernessMs: 0, allowedLatenessMs: 1 });
    assert.equal(declared.name, 'd');
    assert.equal(job('x', 'what it does').from(clickEvents()).window(TumblingEventTimeWindows.of(1)).aggregate(count()).toPoints(() => undefined).description, 'what it does');
  });

  test('--window resizes and --slide makes a declared tumbling window hop; a slide equal to the size is tumbling again', () => {
    const windows = (parameters: Parameters<typeof tumbling.settings>[0]) => tumbling.settings(parameters).windows;
    assert.deepEqual(windows({ windowMs: 60_000 }), TumblingEventTimeWindows.of('1m'));
    assert.deepEqual(windows({ slideMs: 5_000 }), SlidingEventTimeWindows.of('10s', '5s'));
    assert.deepEqual(windows({ windowMs: 60_000, slideMs: 20_000 }), SlidingEventTimeWindows.of('1m', '20s'));
    assert.deepEqual(windows({ windowMs: 60_000, slideMs: 60_000 }), TumblingEventTimeWindows.of('1m'));
    assert.throws(() => windows({ slideMs: 20_000 }), (e: unknown) => e instanceof ConfigError && e.option === '--slide');
    assert.throws(() => windows({ windowMs: 0 }), ConfigError);
    assert.throws(() => windows({ windowMs: 86_400_000, slideMs: 1 }), ConfigError, 'more windows per record than allowed');
  });

  test('parameters resize a declared hopping window and keep its offset where it still fits', () => {
    const hopping = job('h')
      .from(clickEvents())
      .window(SlidingEventTimeWindows.of('1m', '10s', '3s'))
      .aggregate(count())
      .toPoints((w, point) => point('n').intField('n', w.value));
    assert.deepEqual(hopping.settings({ windowMs: 30_000 }).windows, SlidingEventTimeWindows.of('30s', '10s', '3s'));
    assert.deepEqual(hopping.settings({ slideMs: 60_000 }).windows, TumblingEventTimeWindows.of('1m', '3s'));
    assert.deepEqual(hopping.settings({ slideMs: 2_000 }).windows, SlidingEventTimeWindows.of('1m', '2s'), 'an offset of 3 s does not fit a 2 s slide');
  });

  test('the pipeline runs with the parameters: --window 20s gives 20 s windows', async () => {
    const records = [click('/a', 200, T0 + 1), click('/a', 200, T0 + 15), click('/a', 200, T0 + 25)];
    const tenSeconds = await runPipeline(tumbling, [raw(0, records)]);
    const twentySeconds = await runPipeline(tumbling, [raw(0, records)], { windowMs: 20_000 });
    assert.deepEqual(tenSeconds.lines.map((l) => l.split(' ')[1]), ['n=1i', 'n=1i', 'n=1i']);
    assert.deepEqual(twentySeconds.lines, [`n,partition=0 n=2i ${T0}000000000`, `n,partition=0 n=1i ${T0 + 20}000000000`]);
    const hopping = await runPipeline(tumbling, [raw(0, records)], { slideMs: 5_000 });
    assert.equal(hopping.lines.length, 6, 'each record in two 10 s windows every 5 s, no two records sharing both');
  });

  test('session windows refuse --window and --slide, naming the option, and take the other parameters', () => {
    const sessions = job('s')
      .from(clickEvents())
      .keyBy((e) => e.user_id)
      .window(EventTimeSessionWindows.withGap('30m'))
      .aggregate(count())
      .toPoints((w, point) => point('n').intField('n', w.value));
    for (const [parameters, option] of [
      [{ windowMs: 60_000 }, '--window'],
      [{ slideMs: 60_000 }, '--slide'],
      [{ windowMs: 60_000, slideMs: 30_000 }, '--window'],
    ] as const) {
      assert.throws(
        () => sessions.settings(parameters),
        (e: unknown) => e instanceof ConfigError && e.option === option && /session windows/.test(e.message) && /"s"/.test(e.message),
      );
    }
    assert.deepEqual(sessions.settings({ maxOutOfOrdernessMs: 1, allowedLatenessMs: 2 }), {
      windows: { kind: 'session', gapMs: 1_800_000 },
      trigger: EventTimeTrigger,
      maxOutOfOrdernessMs: 1,
      allowedLatenessMs: 2,
    });
  });

  test(
    'settings() refuses out-of-range maxOutOfOrdernessMs and allowedLatenessMs, so that startJob opens nothing',
    async () => {
      for (const parameters of [{ allowedLatenessMs: -1 }, { maxOutOfOrdernessMs: -1 }, { maxOutOfOrdernessMs: NaN }, { allowedLatenessMs: 1.5 }]) {
        assert.throws(() => tumbling.settings(parameters), ConfigError, JSON.stringify(parameters));
        const log: string[] = [];
        assert.throws(
          () => startJob(tumbling, { source: connector('source', fakeSource(from([]), log), log), sink: connector('sink', new RecordingPointSink(log), log), parameters }),
          ConfigError,
        );
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(log, []);
      }
    },
  );

  test('the builder validates what it is given, at once', () => {
    const stream = job('v').from(clickEvents());
    assert.throws(() => stream.withMaxOutOfOrderness(-1), ConfigError);
    assert.throws(() => stream.withMaxOutOfOrderness('soon'), ConfigError);
    assert.throws(() => stream.window(TumblingEventTimeWindows.of('1s')).allowedLateness(-5), ConfigError);
    assert.throws(() => stream.window(TumblingEventTimeWindows.of('1s')).allowedLateness(0.5), ConfigError);
    const noMerge: AggregateFunction<ClickEvent, number, number> = { createAccumulator: () => 0, add: (n) => n + 1, getResult: (n) => n };
    assert.throws(() => stream.window(EventTimeSessionWindows.withGap('1m')).aggregate(noMerge), (e: unknown) => e instanceof ConfigError && /merge\(a, b\)/.test(e.message));
    assert.doesNotThrow(() => stream.window(TumblingEventTimeWindows.of('1m')).aggregate(noMerge));
  });

  test('each builder step returns a new stream: a shared prefix is not changed by what follows it', async () => {
    const prefix = job('p').from(clickEvents()).withMaxOutOfOrderness(0);
    const onlyA = prefix.filter((e) => e.url === '/a');
    const all = prefix.window(TumblingEventTimeWindows.of('10s')).aggregate(count()).toPoints((w, point) => point('n').intField('n', w.value));
    void onlyA.map((e) => e.url);
    const run = await runPipeline(all, [raw(0, [click('/a', 200, T0), click('/b', 200, T0)])]);
    assert.deepEqual(run.lines, [`n,partition=0 n=2i ${T0}000000000`]);
  });
});

describe('toPoints', () => {
  test('may return one point, several or none; each is stamped with the window start and tagged with the partition first', async () => {
    const shapes = job('shapes')
      .from(clickEvents())
      .withMaxOutOfOrderness(0)
      .keyBy((e) => e.url, { sourcePartitioned: true })
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(max((e: ClickEvent) => e.http_status ?? 0))
      .toPoints((w, point) => {
        if (w.key === '/none') return undefined;
        if (w.key === '/one') return point('one').tag('url', w.key).intField('max', w.value);
        return [point('many').intField('max', w.value), point('many').tag('url', w.key).booleanField('error', w.value >= 500)];
      });
    const run = await runPipeline(shapes, [raw(5, [click('/none', 200, T0 + 1), click('/one', 404, T0 + 2), click('/two', 503, T0 + 3)])]);
    assert.deepEqual(run.lines, [
      `one,partition=5,url=/one max=404i ${T0}000000000`,
      `many,partition=5 max=503i ${T0}000000000`,
      `many,partition=5,url=/two error=true ${T0}000000000`,
    ]);
    assert.ok(run.outputs.flatMap((o) => o.points).every((p) => p instanceof Point && p.timeMs === T0 * 1000));
    assert.equal(run.outputs.reduce((n, o) => n + o.windowsFired, 0), 3, 'a firing per key');
  });
});
