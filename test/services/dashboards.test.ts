import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InfluxDB } from '@influxdata/influxdb-client';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { ClickstreamGenerator } from '../../src/producer/ClickstreamGenerator.js';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { consumeAll, type ConsumedRecord } from './consumeAll.js';
import { errorMonitoringDashboard, interpolate, panelTitled, type QueryContext, type Selection } from './grafanaQuery.js';
import { eventTimeMs } from './referenceWindows.js';
import { runCli } from './runCli.js';

const WINDOW_MS = 10_000;
const OUT_OF_ORDERNESS_MS = 5_000;
const EVENTS = 18_000;
const EVENTS_PER_SECOND = 30;
/** Grafana's interval for "last 15 minutes" is below the data source's minimum, 10 s. */
const INTERVAL_MS = 10_000;
const MIN_EVENTS_FOR_RATE = 20;

/** One window of one partition as the job must see it, and its firing. */
interface RefWindow {
  readonly startMs: number;
  events: number;
  errors: number;
  clientErrors: number;
  serverErrors: number;
  readonly urls: Map<string, number>;
  readonly urlErrors: Map<string, number>;
  readonly statuses: Map<number, number>;
  /** Health taken by its firing. */
  late: number;
  lateByMaxMs: number;
  invalid: number;
  watermarkMs: number;
}

/**
 * The job's windows and health, restated brute force, partition by partition in offset order:
 * tumbling windows, watermark = highest time − out-of-orderness − 1, a window fires when the
 * watermark reaches its end − 1 (oldest first; all of them at the end of a bounded run), and a
 * late or invalid record counts toward the first firing of its partition after it.
 */
function reference(records: readonly ConsumedRecord[]): RefWindow[] {
  const fired: RefWindow[] = [];
  const partitions = [...new Set(records.map((r) => r.partition))].sort((a, b) => a - b);
  for (const partition of partitions) {
    const mine = records.filter((r) => r.partition === partition).sort((a, b) => a.offset - b.offset);
    const open = new Map<number, RefWindow>();
    let maxTs = -Infinity;
    let pendingLate: number[] = [];
    let pendingInvalid = 0;
    const fire = (windows: RefWindow[], watermarkMs: number) => {
      for (const w of windows.sort((a, b) => a.startMs - b.startMs)) {
        w.late = pendingLate.length;
        w.lateByMaxMs = pendingLate.length === 0 ? 0 : Math.max(...pendingLate);
        w.invalid = pendingInvalid;
        w.watermarkMs = watermarkMs;
        pendingLate = [];
        pendingInvalid = 0;
        open.delete(w.startMs);
        fired.push(w);
      }
    };
    for (const record of mine) {
      const t = eventTimeMs(record.value);
      if (t === undefined) {
        pendingInvalid++;
        continue;
      }
      const { url, http_status: status } = JSON.parse(record.value) as { url: string; http_status: number };
      const startMs = Math.floor(t / WINDOW_MS) * WINDOW_MS;
      const watermarkMs = maxTs - OUT_OF_ORDERNESS_MS - 1;
      if (startMs + WINDOW_MS - 1 <= watermarkMs) {
        pendingLate.push(watermarkMs - t);
      } else {
        let w = open.get(startMs);
        if (w === undefined) {
          w = { startMs, events: 0, errors: 0, clientErrors: 0, serverErrors: 0, urls: new Map(), urlErrors: new Map(), statuses: new Map(), late: 0, lateByMaxMs: 0, invalid: 0, watermarkMs: NaN };
          open.set(startMs, w);
        }
        w.events++;
        w.urls.set(url, (w.urls.get(url) ?? 0) + 1);
        w.statuses.set(status, (w.statuses.get(status) ?? 0) + 1);
        if (status >= 400) {
          w.errors++;
          w.urlErrors.set(url, (w.urlErrors.get(url) ?? 0) + 1);
          if (status >= 500) w.serverErrors++;
          else w.clientErrors++;
        }
      }
      if (t > maxTs) {
        maxTs = t;
        const now = maxTs - OUT_OF_ORDERNESS_MS - 1;
        fire([...open.values()].filter((w) => w.startMs + WINDOW_MS - 1 <= now), now);
      }
    }
    fire([...open.values()], maxTs - OUT_OF_ORDERNESS_MS - 1);
  }
  return fired;
}

/** Sums (or maxes) a per-window value over partitions, by window start. */
function byTime(windows: readonly RefWindow[], value: (w: RefWindow) => number, combine: (a: number, b: number) => number = (a, b) => a + b): Map<number, number> {
  const out = new Map<number, number>();
  for (const w of windows) out.set(w.startMs, out.has(w.startMs) ? combine(out.get(w.startMs)!, value(w)) : value(w));
  return out;
}

function sumMaps<K>(maps: Iterable<Map<K, number>>, keep: (key: K) => boolean = () => true): Map<K, number> {
  const out = new Map<K, number>();
  for (const m of maps) for (const [k, n] of m) if (keep(k)) out.set(k, (out.get(k) ?? 0) + n);
  return out;
}

const sortedEntries = <K>(m: Map<K, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe('the dashboard "clickflow — error monitoring" against the real InfluxDB, after a seeded run', () => {
  const dashboard = errorMonitoringDashboard();
  let bucket: InfluxTestBucket;
  let windows: RefWindow[];
  let runStartMs: number;
  let runEndMs: number;
  let context: QueryContext;

  before(async () => {
    const { brokers } = serviceEnv();
    const topic = uniqueName('dashboard');
    // Ends 3 minutes ago, starts 13 minutes ago: inside Grafana's "last 15 minutes".
    const startTimeMs = Math.floor((Date.now() - 13 * 60_000) / WINDOW_MS) * WINDOW_MS;
    const generator = new ClickstreamGenerator({
      seed: 15,
      urls: 40,
      users: 300,
      errorRate: 0.08,
      startTimeMs,
      eventsPerSecond: EVENTS_PER_SECOND,
      bursts: [{ status: 503, fraction: 0.5, durationMs: 30_000, everyMs: 120_000 }],
      late: { fraction: 0.03, maxDelayMs: 20_000 },
      outOfOrderMs: 2_000,
      invalidFraction: 0.01,
    });
    const kafka = new Kafka({ clientId: 'dashboard-test', brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    for (let sent = 0; sent < EVENTS; sent += 2_000) {
      const messages = Array.from({ length: Math.min(2_000, EVENTS - sent) }, () => generator.next());
      await producer.send({ topic, acks: -1, messages });
    }
    await producer.disconnect();
    const produced = await consumeAll(brokers, topic, EVENTS);
    windows = reference(produced);

    bucket = await InfluxTestBucket.create('dashboard');
    runStartMs = Date.now();
    const result = await runCli(['run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', uniqueName('dashboard'), '--bounded'], {
      KAFKA_BROKERS: brokers,
      ...bucket.env(),
    });
    runEndMs = Date.now();
    assert.equal(result.code, 0, result.stderr);
    // A 15-minute range around the data, as "last 15 minutes" was when the events were made:
    // a slow machine cannot push the first windows out of it.
    context = {
      fromMs: startTimeMs - 60_000,
      toMs: startTimeMs - 60_000 + 15 * 60_000,
      intervalMs: INTERVAL_MS,
      defaultBucket: bucket.target.bucket,
      variables: { url: 'all', status: 'all' },
      allValues: Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v.allValue ?? ''])),
    };
  });

  after(async () => {
    await bucket?.drop();
  });

  const query = async <T>(flux: string, selection: Partial<Record<string, Selection>> = {}): Promise<T[]> => {
    const { target } = bucket;
    const text = interpolate(flux, { ...context, variables: { ...context.variables, ...selection } as Record<string, Selection> });
    return new InfluxDB({ url: target.url, token: target.token }).getQueryApi(target.org).collectRows<T>(text);
  };
  const panelQuery = (title: string, refId = 'A') => panelTitled(dashboard, title).targets!.find((t) => t.refId === refId)!.query;

  test('the data set has what every panel shows: errors, bursts, late and invalid records, several partitions', () => {
    assert.ok(windows.length > 150, `windows: ${windows.length}`);
    assert.ok(windows.reduce((n, w) => n + w.late, 0) > 100, 'late records');
    assert.ok(windows.reduce((n, w) => n + w.invalid, 0) > 100, 'invalid records');
    assert.equal(new Set(windows.map((w) => w.startMs)).size * 3 >= windows.length, true);
  });

  test('Error rate: errors / events per window over every partition, in percent, for all, 4xx and 5xx', async () => {
    type Row = { _time: string; all_errors: number; client_4xx: number; server_5xx: number };
    const rows = await query<Row>(panelQuery('Error rate'));
    const events = byTime(windows, (w) => w.events);
    const errors = byTime(windows, (w) => w.errors);
    const client = byTime(windows, (w) => w.clientErrors);
    const server = byTime(windows, (w) => w.serverErrors);
    assert.deepEqual(rows.map((r) => Date.parse(r._time)), sortedEntries(events).map(([t]) => t));
    for (const r of rows) {
      const t = Date.parse(r._time);
      assert.ok(close(r.all_errors, (100 * errors.get(t)!) / events.get(t)!), `all at ${r._time}: ${r.all_errors}`);
      assert.ok(close(r.client_4xx, (100 * client.get(t)!) / events.get(t)!), `4xx at ${r._time}`);
      assert.ok(close(r.server_5xx, (100 * server.get(t)!) / events.get(t)!), `5xx at ${r._time}`);
    }
    assert.ok(rows.some((r) => r.server_5xx > 30), 'the 503 bursts show');
  });

  test('Events per window: all URLs, one URL, two URLs', async () => {
    type Row = { _time: string; events: number };
    const flux = panelQuery('Events per window');
    const all = await query<Row>(flux);
    assert.deepEqual(all.map((r) => [Date.parse(r._time), r.events]), sortedEntries(byTime(windows, (w) => w.events)));

    const totals = sumMaps(windows.map((w) => w.urls));
    const [first, second] = [...totals].sort((a, b) => b[1] - a[1]).map(([url]) => url);
    for (const picked of [[first!], [first!, second!]]) {
      const rows = await query<Row>(flux, { url: picked });
      const expected = byTime(windows, (w) => picked.reduce((n, url) => n + (w.urls.get(url) ?? 0), 0));
      assert.deepEqual(rows.map((r) => [Date.parse(r._time), r.events]), sortedEntries(expected).filter(([, n]) => n > 0), `url = ${picked.join(', ')}`);
    }
  });

  test('Errors by status: per status >= 400 and window, summed over partitions; the status variable filters', async () => {
    type Row = { _time: string; status: string; errors: number };
    const flux = panelQuery('Errors by status');
    const expected = (keep: (status: number) => boolean) =>
      windows
        .flatMap((w) => [...w.statuses].filter(([s]) => s >= 400 && keep(s)).map(([s, n]) => [w.startMs, s, n] as const))
        .reduce((m, [t, s, n]) => m.set(`${t}|${s}`, (m.get(`${t}|${s}`) ?? 0) + n), new Map<string, number>());
    const got = (rows: Row[]) => new Map(rows.map((r) => [`${Date.parse(r._time)}|${r.status}`, r.errors]));
    const all = await query<Row>(flux);
    assert.deepEqual(sortedEntries(got(all)), sortedEntries(expected(() => true)));
    assert.ok(new Set(all.map((r) => r.status)).size >= 3, 'several error statuses');
    assert.deepEqual(sortedEntries(got(await query<Row>(flux, { status: ['503'] }))), sortedEntries(expected((s) => s === 503)));
    assert.deepEqual(await query<Row>(flux, { status: ['200'] }), [], 'a success status is not an error');
  });

  test('Top URLs by events: the 10 URLs with most events over the range, exactly counted', async () => {
    type Row = { url: string; events: number };
    const totals = sumMaps(windows.map((w) => w.urls));
    const top = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1)).slice(0, 10);
    const rows = await query<Row>(panelQuery('Top URLs by events'));
    assert.deepEqual(rows.map((r) => [r.url, r.events]), top);
    const one = await query<Row>(panelQuery('Top URLs by events'), { url: [top[3]![0]] });
    assert.deepEqual(one.map((r) => [r.url, r.events]), [top[3]]);
  });

  test('Top URLs by error rate: errors / events per URL over the range, URLs with at least 20 events', async () => {
    type Row = { url: string; events: number; errors: number; error_rate: number };
    const events = sumMaps(windows.map((w) => w.urls));
    const errors = sumMaps(windows.map((w) => w.urlErrors));
    const expected = [...errors]
      .filter(([url]) => events.get(url)! >= MIN_EVENTS_FOR_RATE)
      .map(([url, n]) => ({ url, events: events.get(url)!, errors: n, error_rate: (100 * n) / events.get(url)! }))
      .sort((a, b) => b.error_rate - a.error_rate || (a.url < b.url ? 1 : -1))
      .slice(0, 10);
    const rows = await query<Row>(panelQuery('Top URLs by error rate'));
    assert.equal(rows.length, 10);
    assert.deepEqual(rows.map((r) => [r.url, r.events, r.errors]), expected.map((e) => [e.url, e.events, e.errors]));
    for (const [i, r] of rows.entries()) assert.ok(close(r.error_rate, expected[i]!.error_rate), r.url);
  });

  test('Late records and late-by, Invalid records: what each firing took, over every partition', async () => {
    type Row = { _time: string } & Record<string, number | string>;
    const series = async (title: string, refId: string, column: string) =>
      (await query<Row>(panelQuery(title, refId))).map((r) => [Date.parse(r._time), r[column]]);
    assert.deepEqual(await series('Late records', 'A', 'late records'), sortedEntries(byTime(windows, (w) => w.late)));
    assert.deepEqual(await series('Late records', 'B', 'late by (max)'), sortedEntries(byTime(windows, (w) => w.lateByMaxMs, Math.max)));
    assert.deepEqual(await series('Invalid records', 'A', 'invalid records'), sortedEntries(byTime(windows, (w) => w.invalid)));
  });

  test('Watermark lag: the worst partition, wall clock at the firing minus its watermark', async () => {
    type Row = { _time: string; 'watermark lag': number };
    const rows = await query<Row>(panelQuery('Watermark lag'));
    const lowest = byTime(windows, (w) => runStartMs - w.watermarkMs, Math.max);
    const highest = byTime(windows, (w) => runEndMs - w.watermarkMs, Math.max);
    assert.deepEqual(rows.map((r) => Date.parse(r._time)), sortedEntries(lowest).map(([t]) => t));
    for (const r of rows) {
      const t = Date.parse(r._time);
      const lag = r['watermark lag'];
      assert.ok(lag >= lowest.get(t)! && lag <= highest.get(t)!, `${r._time}: ${lag} not in [${lowest.get(t)}, ${highest.get(t)}]`);
    }
  });

  test('the variables list the URLs and statuses in the range', async () => {
    for (const variable of dashboard.templating.list) {
      const rows = await query<{ _value: string }>(variable.query);
      const expected =
        variable.name === 'url' ? [...sumMaps(windows.map((w) => w.urls)).keys()] : [...sumMaps(windows.map((w) => w.statuses)).keys()].map(String);
      assert.deepEqual(rows.map((r) => r._value).sort(), expected.sort(), variable.name);
    }
  });
});

const GAP_MS = 30_000;
const MINUTE_MS = 60_000;
const MIN_SESSIONS_FOR_RATE = 10;

/** What one minute of session end sums, the parts of every rate the Sessions row shows. */
interface MinuteStats {
  sessions: number;
  bounces: number;
  pages: number;
  durationMs: number;
  withServerErrors: number;
}

/**
 * The sessions job restated brute force for one file (one partition): an event is late when
 * its own session window would already have closed at the watermark before it, i.e. time + gap
 * − 1 <= highest time so far − out-of-orderness − 1; the others, per user, sorted by time,
 * split where two neighbours are more than the gap apart. A session counts in the minute of
 * its result's time, last event + gap − 1; its landing URL is its first event's (the smallest
 * URL on a tie).
 */
function referenceSessionStats(lines: readonly string[]): { late: number; minutes: Map<number, MinuteStats>; landing: Map<string, { sessions: number; bounces: number }>; users: number; splitUsers: number } {
  type Ev = { user: string; url: string; status: number; ms: number };
  const onTime: Ev[] = [];
  let maxMs = -Infinity;
  let late = 0;
  for (const line of lines) {
    const ms = eventTimeMs(line);
    if (ms === undefined) throw new Error(`the generator wrote an invalid event: ${line}`);
    const e = JSON.parse(line) as { user_id: string; url: string; http_status: number };
    if (ms + GAP_MS - 1 <= maxMs - OUT_OF_ORDERNESS_MS - 1) late++;
    else onTime.push({ user: e.user_id, url: e.url, status: e.http_status, ms });
    maxMs = Math.max(maxMs, ms);
  }
  const byUser = new Map<string, Ev[]>();
  for (const e of onTime) byUser.set(e.user, [...(byUser.get(e.user) ?? []), e]);
  const minutes = new Map<number, MinuteStats>();
  const landing = new Map<string, { sessions: number; bounces: number }>();
  let splitUsers = 0;
  for (const events of byUser.values()) {
    const sorted = [...events].sort((a, b) => a.ms - b.ms || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    const sessions: Ev[][] = [];
    for (const e of sorted) {
      const current = sessions.at(-1);
      if (current !== undefined && e.ms - current.at(-1)!.ms <= GAP_MS) current.push(e);
      else sessions.push([e]);
    }
    if (sessions.length > 1) splitUsers++;
    for (const session of sessions) {
      const first = session[0]!;
      const last = session.at(-1)!;
      const minute = Math.floor((last.ms + GAP_MS - 1) / MINUTE_MS) * MINUTE_MS;
      const m = minutes.get(minute) ?? { sessions: 0, bounces: 0, pages: 0, durationMs: 0, withServerErrors: 0 };
      const bounced = session.length === 1 ? 1 : 0;
      m.sessions++;
      m.bounces += bounced;
      m.pages += session.length;
      m.durationMs += last.ms - first.ms;
      m.withServerErrors += session.some((e) => e.status >= 500) ? 1 : 0;
      minutes.set(minute, m);
      const l = landing.get(first.url) ?? { sessions: 0, bounces: 0 };
      l.sessions++;
      l.bounces += bounced;
      landing.set(first.url, l);
    }
  }
  return { late, minutes, landing, users: byUser.size, splitUsers };
}

describe('the dashboard\'s "Sessions" row against the real InfluxDB, after a seeded sessions run from a file', () => {
  const dashboard = errorMonitoringDashboard();
  // A fixed past start: the same events, sessions and minutes on every run. Whole 3-minute periods from the range's start.
  const startTimeMs = Date.parse('2025-03-01T10:00:00Z');
  const fromMs = startTimeMs - 3 * MINUTE_MS;
  let bucket: InfluxTestBucket;
  let expected: ReturnType<typeof referenceSessionStats>;
  let jobStderr: string;

  before(async () => {
    const generator = new ClickstreamGenerator({
      seed: 16,
      urls: 40,
      users: 300,
      errorRate: 0.08,
      startTimeMs,
      eventsPerSecond: 5,
      bursts: [{ status: 503, fraction: 0.5, durationMs: 30_000, everyMs: 120_000 }],
      // Delays of 30 to 60 s: beyond gap + out-of-orderness some are late, within it some are not.
      late: { fraction: 0.03, maxDelayMs: 60_000 },
      outOfOrderMs: 2_000,
      invalidFraction: 0,
    });
    const lines = Array.from({ length: 3_000 }, () => generator.next().value);
    expected = referenceSessionStats(lines);
    const dir = mkdtempSync(join(tmpdir(), 'clickflow-sessions-dashboard-'));
    try {
      const file = join(dir, 'events.jsonl');
      writeFileSync(file, `${lines.join('\n')}\n`);
      bucket = await InfluxTestBucket.create('sessions-dashboard');
      const result = await runCli(['run', 'sessions', '--from', `file:${file}`, '--to', 'influx', '--gap', '30s'], bucket.env());
      assert.equal(result.code, 0, result.stderr);
      jobStderr = result.stderr;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  after(async () => {
    await bucket?.drop();
  });

  const query = async <T>(title: string, intervalMs: number, url: Selection = 'all'): Promise<T[]> => {
    const { target } = bucket;
    const flux = panelTitled(dashboard, title).targets!.find((t) => t.refId === 'A')!.query;
    const text = interpolate(flux, {
      fromMs,
      toMs: fromMs + 15 * MINUTE_MS,
      intervalMs,
      defaultBucket: target.bucket,
      variables: { url, status: 'all' },
      allValues: Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v.allValue ?? ''])),
    });
    return new InfluxDB({ url: target.url, token: target.token }).getQueryApi(target.org).collectRows<T>(text);
  };

  /**
   * The start of a minute's period in the panels: periods are whole minutes, at least one
   * (Grafana's interval rounded up; a 10 s interval gives one minute), aligned to the epoch,
   * the first cut at the range's start.
   */
  const periodOf = (minuteMs: number, intervalMs: number): number => {
    const periodMs = Math.ceil(intervalMs / MINUTE_MS) * MINUTE_MS;
    return Math.max(fromMs, Math.floor(minuteMs / periodMs) * periodMs);
  };
  const sumOf = (minutes: Iterable<MinuteStats>): MinuteStats => {
    const out = { sessions: 0, bounces: 0, pages: 0, durationMs: 0, withServerErrors: 0 };
    for (const m of minutes) for (const k of Object.keys(out) as (keyof MinuteStats)[]) out[k] += m[k];
    return out;
  };
  /** The minutes' sums per period, by start. */
  const byPeriod = (intervalMs: number): [number, MinuteStats][] => {
    const starts = [...new Set([...expected.minutes.keys()].map((m) => periodOf(m, intervalMs)))].sort((a, b) => a - b);
    return starts.map((start) => [start, sumOf([...expected.minutes].filter(([m]) => periodOf(m, intervalMs) === start).map(([, m]) => m))]);
  };

  /** A wide range's interval: 3-minute periods. */
  const WIDE_INTERVAL_MS = 150_000;

  const timeseries: { title: string; column: string; value: (p: MinuteStats, periodMinutes: number) => number }[] = [
    { title: 'Sessions per minute', column: 'sessions', value: (p, minutes) => p.sessions / minutes },
    { title: 'Bounce rate', column: 'bounce_rate', value: (p) => (100 * p.bounces) / p.sessions },
    { title: 'Average session duration', column: 'avg_duration_s', value: (p) => p.durationMs / 1000 / p.sessions },
    { title: 'Pages per session', column: 'pages_per_session', value: (p) => p.pages / p.sessions },
    { title: 'Sessions with a 5xx', column: 'server_error_share', value: (p) => (100 * p.withServerErrors) / p.sessions },
  ];

  test('the data set has what the row shows: late events, bounces and longer sessions, users with several sessions, sessions with a 5xx', () => {
    assert.equal(panelTitled(dashboard, 'Sessions').type, 'row');
    assert.ok(expected.late > 20, `late: ${expected.late}`);
    assert.match(jobStderr, new RegExp(`\\b0 invalid, ${expected.late} late\\b`), 'the job dropped the events the reference drops');
    const all = sumOf(expected.minutes.values());
    assert.ok(all.bounces > 100 && all.bounces < all.sessions - 100, `bounces ${all.bounces} of ${all.sessions}`);
    assert.ok(all.withServerErrors > 50 && all.withServerErrors < all.sessions - 50, `with a 5xx: ${all.withServerErrors}`);
    assert.ok(expected.splitUsers > 100, `users with several sessions: ${expected.splitUsers} of ${expected.users}`);
    assert.ok(expected.minutes.size >= 10, `minutes: ${expected.minutes.size}`);
    // A query that averaged the minutes' rates over a period would differ from the reference here.
    const differs = byPeriod(WIDE_INTERVAL_MS).some(([start, p]) => {
      const rates = [...expected.minutes].filter(([m]) => periodOf(m, WIDE_INTERVAL_MS) === start).map(([, m]) => m.bounces / m.sessions);
      return Math.abs(rates.reduce((a, b) => a + b, 0) / rates.length - p.bounces / p.sessions) > 1e-3;
    });
    assert.ok(differs, 'the mean of the minutes\' bounce rates differs from the period\'s');
  });

  for (const { title, column, value } of timeseries) {
    test(`${title}: per period of whole minutes, from the sums of the period's minutes, at a 10 s and a 2m30s interval`, async () => {
      for (const intervalMs of [INTERVAL_MS, WIDE_INTERVAL_MS]) {
        const periods = byPeriod(intervalMs);
        const minutesPerPeriod = Math.ceil(intervalMs / MINUTE_MS);
        const rows = await query<Record<string, string | number>>(title, intervalMs);
        assert.ok(rows.length > 0, `${title} returned nothing at ${intervalMs} ms`);
        assert.deepEqual(rows.map((r) => Date.parse(r._time as string)), periods.map(([t]) => t), `${title}: periods at ${intervalMs} ms`);
        for (const [i, r] of rows.entries()) {
          const want = value(periods[i]![1], minutesPerPeriod);
          assert.ok(typeof r[column] === 'number' && close(r[column], want), `${title} at ${r._time as string} (${intervalMs} ms): ${String(r[column])}, expected ${want}`);
        }
      }
    });
  }

  test('Top landing pages: the 10 landing URLs with most sessions and at least 10, their bounce rate over the range; the url variable filters', async () => {
    type Row = { url: string; sessions: number; bounce_rate: number };
    const ranked = [...expected.landing]
      .filter(([, l]) => l.sessions >= MIN_SESSIONS_FOR_RATE)
      .sort(([a, x], [b, y]) => y.sessions - x.sessions || (a < b ? 1 : -1));
    const few = [...expected.landing].find(([, l]) => l.sessions < MIN_SESSIONS_FOR_RATE);
    assert.ok(ranked.length > 10 && few !== undefined, 'some landing URLs are past the limit, some under the minimum');
    const check = (rows: Row[], want: typeof ranked) => {
      assert.deepEqual(rows.map((r) => [r.url, r.sessions]), want.map(([url, l]) => [url, l.sessions]));
      for (const [i, r] of rows.entries()) assert.ok(close(r.bounce_rate, (100 * want[i]![1].bounces) / want[i]![1].sessions), `${r.url}: ${r.bounce_rate}`);
    };
    const rows = await query<Row>('Top landing pages', INTERVAL_MS);
    assert.equal(rows.length, 10);
    check(rows, ranked.slice(0, 10));
    const picked = ranked[11]!;
    check(await query<Row>('Top landing pages', INTERVAL_MS, [picked[0], few[0]]), [picked]);
  });
});
