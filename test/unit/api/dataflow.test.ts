import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clickEvents } from '../../../src/api/clickEvents.js';
import { job } from '../../../src/api/job.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import type { ClickEvent } from '../../../src/events/ClickEvent.js';
import { count } from '../../../src/operators/aggregates/count.js';
import { keyedBy } from '../../../src/operators/aggregates/keyedBy.js';
import { sum } from '../../../src/operators/aggregates/sum.js';
import { EventTimeSessionWindows } from '../../../src/operators/EventTimeSessionWindows.js';
import { SlidingEventTimeWindows } from '../../../src/operators/SlidingEventTimeWindows.js';
import { KeyError } from '../../../src/operators/KeyError.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { click, raw, runPipeline, T0 } from './harness.js';

describe('composite keys', () => {
  test('keyBy with an array key groups equal arrays: 53 identical keys give n=53, not 53 points of n=1', async () => {
    const records: string[] = [];
    for (let i = 0; i < 500; i++) records.push(i < 53 ? click('/a', 503, T0 + 1) : click(`/u${i % 40}`, 200 + (i % 3), T0 + 2));
    const byPair = job('pairs')
      .from(clickEvents())
      .keyBy((e) => [e.url, e.http_status] as const)
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(count())
      .toPoints((w, point) => point('pairs').tag('url', w.key[0]).tag('status', String(w.key[1])).intField('n', w.value));
    const run = await runPipeline(byPair, [raw(0, records)]);
    assert.ok(run.lines.includes(`pairs,url=/a,status=503 n=53i ${T0}000000000`), run.lines.slice(0, 3).join('\n'));
    const total = run.lines.reduce((n, l) => n + Number(/ n=(\d+)i/.exec(l)![1]), 0);
    assert.equal(total, 500);
    assert.equal(run.lines.length, new Set(records).size, 'one point per distinct (url, status)');
  });

  test('plain-object keys compare by value whatever the order of their fields; keyedBy and session keys too', async () => {
    const records = [click('/a', 200, T0 + 1, { user_id: 'x' }), click('/a', 200, T0 + 2, { user_id: 'x' }), click('/b', 200, T0 + 3, { user_id: 'x' })];
    const objects = job('objects')
      .from(clickEvents())
      .keyBy((e) => (e.eventTimeMs % 2000 === 0 ? { url: e.url, user: e.user_id } : { user: e.user_id, url: e.url }))
      .window(EventTimeSessionWindows.withGap('1m'))
      .aggregate(count())
      .toPoints((w, point) => point('s').tag('url', w.key.url).tag('user', w.key.user).intField('n', w.value));
    assert.deepEqual((await runPipeline(objects, [raw(0, records)])).lines.sort(), [`s,url=/a,user=x n=2i ${T0 + 1}000000000`, `s,url=/b,user=x n=1i ${T0 + 3}000000000`]);
    const inWindow = job('in-window')
      .from(clickEvents())
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(keyedBy((e: ClickEvent) => [e.url], count()))
      .toPoints((w, point) => [...w.value].map(([key, n]) => point('k').tag('url', key[0]!).intField('n', n)));
    assert.deepEqual((await runPipeline(inWindow, [raw(0, records)])).lines, [`k,partition=0,url=/a n=2i ${T0}000000000`, `k,partition=0,url=/b n=1i ${T0}000000000`]);
  });

  test('a key without a value to compare (a Date, a Map) fails the job with a KeyError that says what to return', async () => {
    const dated = job('dated')
      .from(clickEvents())
      .keyBy((e) => new Date(e.eventTimeMs))
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(count())
      .toPoints((w, point) => point('n').intField('n', w.value));
    await assert.rejects(runPipeline(dated, [raw(0, [click('/a', 200, T0)])]), (error: unknown) => error instanceof KeyError && /a Date/.test(error.message) && /compared by value/.test(error.message));
  });

  test('a key of undefined (a misspelt field), NaN, Infinity or a bigint fails the job with a KeyError; null and false are keys', async () => {
    const keyedBy = (keyOf: (e: ClickEvent) => unknown) =>
      job('odd-key')
        .from(clickEvents())
        .keyBy(keyOf)
        .window(TumblingEventTimeWindows.of('10s'))
        .aggregate(count())
        .toPoints((w, point) => point('n').tag('key', String(w.key)).intField('n', w.value));
    const input = [raw(0, [click('/a', 200, T0), click('/b', 200, T0 + 1)])];
    for (const [keyOf, what] of [
      [(e: ClickEvent) => (e as unknown as Record<string, unknown>).nope, /keyBy returned undefined \(does the field it reads exist/],
      [() => Number.NaN, /keyBy returned NaN/],
      [() => -Infinity, /keyBy returned -Infinity/],
      [() => 10n, /keyBy returned a bigint/],
    ] as const) {
      await assert.rejects(runPipeline(keyedBy(keyOf), input), (error: unknown) => error instanceof KeyError && what.test(error.message), String(what));
    }
    assert.deepEqual((await runPipeline(keyedBy(() => null), input)).lines, [`n,key=null n=2i ${T0}000000000`]);
    assert.deepEqual((await runPipeline(keyedBy((e) => e.url === '/a'), input)).lines.sort(), [`n,key=false n=1i ${T0}000000000`, `n,key=true n=1i ${T0}000000000`]);
  });
});

describe('window results are streams', () => {
  test('filtered, mapped, keyed and windowed again: per-minute totals of the 10 s windows with more than one event', async () => {
    const records: string[] = [];
    for (let s = 0; s < 180; s += 3) records.push(click(s % 2 === 0 ? '/even' : '/odd', 200, T0 + s));
    records.push(click('/lonely', 200, T0 + 5));
    const perMinute = job('per-minute')
      .from(clickEvents())
      .withMaxOutOfOrderness(0)
      .keyBy((e) => e.url)
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(count())
      .filter((w) => w.value > 1)
      .map((w) => ({ url: w.key, events: w.value }))
      .keyBy((r) => r.url)
      .window(TumblingEventTimeWindows.of('1m'))
      .aggregate(sum((r: { events: number }) => r.events))
      .toPoints((w, point) => point('minute').tag('url', w.key).intField('events', w.value));
    const run = await runPipeline(perMinute, [raw(0, records)]);
    const tenSeconds = new Map<string, number>();
    for (const r of records) {
      const { url, event_timestamp: t } = JSON.parse(r) as { url: string; event_timestamp: number };
      const key = `${url} ${Math.floor((t - T0) / 10)}`;
      tenSeconds.set(key, (tenSeconds.get(key) ?? 0) + 1);
    }
    const minutes = new Map<string, number>();
    for (const [key, n] of tenSeconds) {
      if (n <= 1) continue;
      const [url, tens] = key.split(' ');
      const minute = `${url} ${Math.floor(Number(tens) / 6)}`;
      minutes.set(minute, (minutes.get(minute) ?? 0) + n);
    }
    const expected = [...minutes].map(([key, n]) => `minute,url=${key.split(' ')[0]} events=${n}i ${T0 + Number(key.split(' ')[1]) * 60}000000000`);
    assert.equal(expected.length, 6);
    assert.deepEqual(run.lines.sort(), expected.sort(), '/lonely had one event per 10 s window and is filtered out');
    // Both windows follow a move: from Kafka each move has its internal topic and both resume from its commits.
    assert.equal(perMinute.notResumable, undefined);
    assert.equal(perMinute.moves, 2);
  });

  test('two branches read one window once, and each writes its own output: points and a record output', async () => {
    let adds = 0;
    const counting = { createAccumulator: () => 0, add: (n: number) => (adds++, n + 1), getResult: (n: number) => n, merge: (a: number, b: number) => a + b };
    const graph = job('branches');
    const perUrl = graph.from(clickEvents()).keyBy((e) => e.url).window(TumblingEventTimeWindows.of('10s')).aggregate(counting);
    perUrl.toPoints((w, point) => point('hits').tag('url', w.key).intField('n', w.value));
    const finished = perUrl.filter((w) => w.value >= 2).toRecords('busy');
    assert.equal(finished, graph, 'each output returns the job');
    const records = [click('/a', 200, T0), click('/a', 200, T0 + 1), click('/b', 200, T0 + 2)];
    const run = await runPipeline(graph, [raw(0, records)]);
    assert.equal(adds, 3, 'the window ran once for both branches');
    assert.deepEqual(run.lines, [`hits,url=/a n=2i ${T0}000000000`, `hits,url=/b n=1i ${T0}000000000`]);
    const lines = run.outputs.flatMap((o) => o.recordLines ?? []);
    assert.deepEqual(lines, [
      { output: 'busy', line: JSON.stringify({ key: '/a', start: new Date(T0 * 1000).toISOString(), end: new Date((T0 + 10) * 1000).toISOString(), firing: 0, value: 2 }) },
    ]);
    assert.deepEqual(graph.recordOutputs, ['busy']);
  });

  test('a record stream without windows goes to an output with the records as they are, each point at its event time', async () => {
    const errors = job('errors')
      .from(clickEvents())
      .filter((e) => (e.http_status ?? 0) >= 500)
      .toPoints((e, point) => point('server_error').tag('url', e.url).intField('status', e.http_status!));
    const run = await runPipeline(errors, [raw(0, [click('/a', 200, T0), click('/b', 503, T0 + 1.5)])]);
    assert.deepEqual(run.lines, [`server_error,url=/b status=503i ${T0 + 1}500000000`]);
    assert.equal(errors.notResumable, undefined, 'no move and no window over results: it resumes from commits');
  });

  test('what cannot resume from Kafka commits yet says why: a window over results with no keyBy between, windows over the source beside a move', () => {
    const again = job('again');
    again.from(clickEvents()).window(TumblingEventTimeWindows.of('10s')).aggregate(count())
      .window(TumblingEventTimeWindows.of('1m')).aggregate(sum((w: { value: number }) => w.value)).toPoints((w, point) => point('m').intField('n', w.value));
    assert.match(again.notResumable ?? '', /windows the results of another window without a keyBy between them/);
    const mixed = job('mixed');
    const events = mixed.from(clickEvents());
    events.window(TumblingEventTimeWindows.of('10s')).aggregate(count()).toPoints((w, point) => point('n').intField('n', w.value));
    events.keyBy((e) => e.user_id).window(EventTimeSessionWindows.withGap('1m')).aggregate(count()).toRecords('sessions');
    assert.match(mixed.notResumable ?? '', /windows over the source's own partitions beside a move/);
    assert.equal(mixed.moves, 1);
  });
});

describe('the job graph refuses what cannot work, when it is built', () => {
  test('a second source, two record outputs of one name, a job without output, withMaxOutOfOrderness after a window, a bad output name', () => {
    const graph = job('twice');
    const events = graph.from(clickEvents());
    assert.throws(() => graph.from(clickEvents()), ConfigError);
    assert.throws(() => graph.settings(), /no output/);
    events.toRecords('raw');
    assert.throws(() => events.toRecords('raw'), /already has a record output "raw"/);
    assert.throws(() => events.toRecords('Bad Name'), ConfigError);
    const results = events.window(TumblingEventTimeWindows.of('1s')).aggregate(count());
    assert.throws(() => results.withMaxOutOfOrderness('1s'), /before the first keyBy or window/);
  });

  test('--window applies to the windows over the source, not to windows over results; --gap only where there are sessions', () => {
    const nested = job('nested')
      .from(clickEvents())
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(count())
      .keyBy(() => 'all')
      .window(TumblingEventTimeWindows.of('1m'))
      .aggregate(sum((w: { value: number }) => w.value))
      .toPoints((w, point) => point('n').intField('n', w.value));
    assert.deepEqual(nested.settings({ windowMs: 20_000 }).windows, TumblingEventTimeWindows.of('20s'));
    assert.match(nested.describe!({ windowMs: 20_000 }), /tumbling event-time 20s, per partition[\s\S]*tumbling event-time 1m, per key/);
    assert.throws(() => nested.settings({ gapMs: 60_000 }), /--gap/);
  });
});

describe('after a move, results do not depend on batching or on the order partitions arrive in', () => {
  const at = (user: string, url: string, seconds: number) => click(url, 200, seconds, { user_id: user });
  const ids = (run: Awaited<ReturnType<typeof runPipeline>>) => run.lines.slice().sort();

  test('a record at exactly a session’s end still joins it, however the input was batched (the session waits a full gap)', async () => {
    const sessions = job('edge')
      .from(clickEvents())
      .withMaxOutOfOrderness(0)
      .keyBy((e) => e.user_id)
      .window(EventTimeSessionWindows.withGap('10s'))
      .aggregate(count())
      .toPoints((w, point) => point('s').tag('user', w.key).intField('pages', w.value));
    const [a, b, c] = [at('A', '/x', T0), at('B', '/y', T0 + 19.999), at('A', '/z', T0 + 10)];
    const together = await runPipeline(sessions, [raw(0, [a!, b!, c!])]);
    const split = await runPipeline(sessions, [raw(0, [a!, b!]), raw(0, [c!], 2)]);
    assert.deepEqual(ids(split), ids(together));
    assert.ok(together.lines.includes(`s,user=A pages=2i ${T0}000000000`), together.lines.join('\n'));
  });

  test('hopping windows after a move: a record late at its partition for an older window stays out of it, whichever partition comes first', async () => {
    const hopping = job('hop')
      .from(clickEvents())
      .withMaxOutOfOrderness(0)
      .keyBy(() => 'k')
      .window(SlidingEventTimeWindows.of('10s', '5s'))
      .aggregate(count())
      .toPoints((w, point) => point('h').intField('n', w.value));
    const p0a = raw(0, [at('u', '/a', T0 + 20)]);
    const p0b = raw(0, [at('u', '/a', T0 + 16)], 1);
    const p1 = raw(1, [at('u', '/b', T0 + 30)]);
    const early = await runPipeline(hopping, [p0a, p1, p0b]);
    const last = await runPipeline(hopping, [p0a, p0b, p1]);
    assert.deepEqual(ids(early), ids(last));
    assert.ok(!last.lines.some((l) => l.endsWith(` ${T0 + 10}000000000`)), '[10 s, 20 s) had closed at partition 0 when 16 s came');
  });

  test('a filter before keyBy that drops every record of a partition does not hold the windows after the move back', async () => {
    const filtered = job('filtered')
      .from(clickEvents())
      .withMaxOutOfOrderness(0)
      .filter((e) => e.url !== '/dropped')
      .keyBy((e) => e.user_id)
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(count())
      .toPoints((w, point) => point('n').intField('n', w.value));
    const run = await runPipeline(filtered, [raw(0, [at('u', '/kept', T0 + 1), at('u', '/kept', T0 + 25)]), raw(1, [at('v', '/dropped', T0 + 2), at('v', '/dropped', T0 + 30)])]);
    // Both partitions passed 10 s before the end of input: the window fires with the second batch, not at the flush.
    assert.equal(run.outputs[1]!.windowsFired, 1, JSON.stringify(run.outputs.map((o) => o.windowsFired)));
  });

  test('a window without a key after a move is per moved partition: its points carry the partition, so none overwrites another', async () => {
    const perPartition = job('per-partition')
      .from(clickEvents())
      .keyBy((e) => e.user_id)
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(count())
      .window(TumblingEventTimeWindows.of('1m'))
      .aggregate(sum((w: { value: number }) => w.value))
      .toPoints((w, point) => point('m').intField('n', w.value));
    const users = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const run = await runPipeline(perPartition, [0, 1, 2].map((p) => raw(p, users.map((u) => at(u, `/p${p}`, T0 + 1)))));
    const series = run.lines.map((l) => l.split(' ')[0]);
    assert.equal(new Set(series).size, series.length, run.lines.join('\n'));
    assert.equal(run.lines.reduce((n, l) => n + Number(/n=(\d+)i/.exec(l)![1]), 0), 24);
  });
});

describe('small things a user hits', () => {
  test('toRecords whose function returns undefined writes nothing for that record', async () => {
    const some = job('some').from(clickEvents()).toRecords('errors', (e) => ((e.http_status ?? 0) >= 500 ? { url: e.url } : undefined));
    const run = await runPipeline(some, [raw(0, [click('/a', 200, T0), click('/b', 503, T0)])]);
    assert.deepEqual(run.outputs.flatMap((o) => o.recordLines ?? []), [{ output: 'errors', line: '{"url":"/b"}' }]);
  });

  test('a session gap over a year is refused (its points would pass what InfluxDB stores); an object key with an undefined field is its JSON', async () => {
    assert.throws(() => EventTimeSessionWindows.withGap('366d'), /at most 365d/);
    const optional = job('optional')
      .from(clickEvents())
      .keyBy((e) => ({ url: e.url, method: e.method }))
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(count())
      .toPoints((w, point) => point('n').tag('url', w.key.url).tag('method', w.key.method ?? 'none').intField('n', w.value));
    const run = await runPipeline(optional, [raw(0, [click('/a', 200, T0), click('/a', 200, T0, { method: 'GET' }), click('/a', 200, T0)])]);
    assert.deepEqual(run.lines.sort(), [`n,url=/a,method=GET n=1i ${T0}000000000`, `n,url=/a,method=none n=2i ${T0}000000000`]);
  });
});
