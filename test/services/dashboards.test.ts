import assert from 'node:assert/strict';
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
