import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lastValueFrom, of, toArray } from 'rxjs';
import type { ClickEvent } from '../../../src/events/ClickEvent.js';
import type { InvalidRecord } from '../../../src/events/InvalidRecord.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { errorRatesAggregate, type ErrorRatesWindow } from '../../../src/jobs/errorRates/ErrorRatesAggregate.js';
import { errorRatesJob } from '../../../src/jobs/errorRates/errorRatesJob.js';
import { errorRatesPoints } from '../../../src/jobs/errorRates/errorRatesPoints.js';
import { findJob, JOBS } from '../../../src/jobs/jobRegistry.js';
import type { JobOutput } from '../../../src/jobs/JobOutput.js';
import type { WindowResult } from '../../../src/operators/WindowResult.js';
import { toLineProtocol } from '../../../src/points/lineProtocol.js';
import { Point } from '../../../src/points/Point.js';

function event(url: string, http_status: number, eventTimeMs = 0): ClickEvent {
  return { user_id: 'u', url, http_status, event_timestamp: eventTimeMs / 1000, eventTimeMs };
}

function aggregate(events: ClickEvent[]): ErrorRatesWindow {
  const agg = errorRatesAggregate();
  let acc = agg.createAccumulator();
  for (const e of events) acc = agg.add(acc, e);
  return agg.getResult(acc);
}

function windowOf(value: ErrorRatesWindow, startMs: number, partition = 0): WindowResult<ErrorRatesWindow> {
  const health = { records: value.total, lateRecords: 0, invalidRecords: 0, watermarkLagMs: 0, lateByMaxMs: 0, lateByP99Ms: 0 };
  return { partition, key: undefined, startMs, endMs: startMs + 10_000, value, firing: 0, watermarkMs: startMs + 9_999, health };
}

/** The window's points as line protocol, made with the factory the job API hands `toPoints`. */
function linesOf(window: WindowResult<ErrorRatesWindow>): string[] {
  const points = errorRatesPoints(window, (measurement) => new Point(measurement, window.startMs).tag('partition', String(window.partition)));
  return points.map(toLineProtocol);
}

/** Every point of a job's outputs, as line protocol, in order. */
const lineProtocolOf = (outputs: readonly JobOutput[]) => outputs.flatMap((o) => o.points.map(toLineProtocol));

/** The lines of the measurements that are the same on every replay; `url_errors` and `job_health` are tested on their own. */
const resultsOf = (lines: readonly string[]) => lines.filter((line) => /^(url_counts|status_counts|error_rates),/.test(line));

/** Splits one line-protocol line at unescaped spaces and commas, per the line-protocol spec. */
function parseLine(line: string): { measurement: string; tags: Record<string, string>; fields: Record<string, string>; timestamp: string } {
  const sections: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      current += c + line[i + 1];
      i++;
    } else if (c === ' ') {
      sections.push(current);
      current = '';
    } else current += c;
  }
  sections.push(current);
  assert.equal(sections.length, 3, `measurement+tags, fields, timestamp in ${JSON.stringify(line)}`);
  const splitUnescaped = (text: string, sep: string) => {
    const parts: string[] = [];
    let part = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\\' && i + 1 < text.length) {
        part += c + text[i + 1];
        i++;
      } else if (c === sep) {
        parts.push(part);
        part = '';
      } else part += c;
    }
    parts.push(part);
    return parts;
  };
  const unescape = (text: string) => text.replace(/\\([ ,=])/g, '$1');
  const [measurement, ...tagPairs] = splitUnescaped(sections[0]!, ',');
  const tags: Record<string, string> = {};
  for (const pair of tagPairs) {
    const [k, v, ...rest] = splitUnescaped(pair, '=');
    assert.equal(rest.length, 0, `one unescaped = in tag ${pair}`);
    tags[unescape(k!)] = unescape(v!);
  }
  const fields: Record<string, string> = {};
  for (const pair of splitUnescaped(sections[1]!, ',')) {
    const [k, v] = splitUnescaped(pair, '=');
    fields[k!] = v!;
  }
  return { measurement: measurement!, tags, fields, timestamp: sections[2]! };
}

describe('errorRatesAggregate', () => {
  test('an empty window has total 0 and rate 0', () => {
    const w = aggregate([]);
    assert.equal(w.total, 0);
    assert.equal(w.errors, 0);
    assert.equal(w.rate, 0);
    assert.equal(w.urlCounts.size, 0);
    assert.equal(w.statusCounts.size, 0);
  });

  test('errors are statuses >= 400: client 4xx, server 5xx; 1xx–3xx are not errors', () => {
    const statuses = [100, 200, 204, 301, 399, 400, 404, 499, 500, 503, 599];
    const w = aggregate(statuses.map((s) => event('/a', s)));
    assert.equal(w.total, 11);
    assert.equal(w.clientErrors, 3); // 400, 404, 499
    assert.equal(w.serverErrors, 3); // 500, 503, 599
    assert.equal(w.errors, 6);
    assert.equal(w.rate, 6 / 11);
  });

  test('counts per URL in order of first appearance and per status in ascending order', () => {
    const w = aggregate([
      event('/b', 503),
      event('/a', 200),
      event('/b', 200),
      event('/c', 404),
      event('/a', 200),
      event('/b', 100),
    ]);
    assert.deepEqual([...w.urlCounts], [
      ['/b', 3],
      ['/a', 2],
      ['/c', 1],
    ]);
    assert.deepEqual([...w.statusCounts], [
      [100, 1],
      [200, 3],
      [404, 1],
      [503, 1],
    ]);
    assert.equal(w.total, 6);
    assert.equal(w.errors, 2);
    assert.equal(w.rate, 2 / 6);
  });

  test('sums over URLs and over statuses equal the total', () => {
    const events: ClickEvent[] = [];
    for (let i = 0; i < 1000; i++) events.push(event(`/p${i % 37}`, 100 + ((i * 7) % 500)));
    const w = aggregate(events);
    const sum = (m: Map<unknown, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    assert.equal(sum(w.urlCounts), 1000);
    assert.equal(sum(w.statusCounts), 1000);
    assert.equal(w.urlCounts.size, 37);
  });

  test('a result is a snapshot: adding more later does not change it', () => {
    const agg = errorRatesAggregate();
    const acc = agg.add(agg.createAccumulator(), event('/a', 500));
    const first = agg.getResult(acc);
    agg.add(acc, event('/a', 200));
    assert.equal(first.total, 1);
    assert.equal(first.urlCounts.get('/a'), 1);
    assert.equal(agg.getResult(acc).total, 2);
  });
});

describe('errorRatesAggregate.merge', () => {
  test('merging the accumulators of two halves equals aggregating the whole', () => {
    const events: ClickEvent[] = [];
    for (let i = 0; i < 200; i++) events.push(event(`/p${(i * 13) % 11}`, 100 + ((i * 37) % 500)));
    for (const cut of [0, 1, 57, 199, 200]) {
      const agg = errorRatesAggregate();
      let a = agg.createAccumulator();
      for (const e of events.slice(0, cut)) a = agg.add(a, e);
      let b = agg.createAccumulator();
      for (const e of events.slice(cut)) b = agg.add(b, e);
      assert.deepEqual(agg.getResult(agg.merge!(a, b)), aggregate(events), `cut ${cut}`);
    }
  });
});

describe('errorRatesJob settings', () => {
  test('declares 10 s tumbling windows, 5 s out-of-orderness and no lateness', () => {
    assert.deepEqual(errorRatesJob.settings(), {
      windows: { kind: 'aligned', sizeMs: 10_000, slideMs: 10_000, offsetMs: 0 },
      trigger: errorRatesJob.settings().trigger,
      maxOutOfOrdernessMs: 5_000,
      allowedLatenessMs: 0,
    });
  });

  test('--window, --slide, --max-out-of-orderness and --allowed-lateness override them', () => {
    const settings = errorRatesJob.settings({ windowMs: 60_000, slideMs: 15_000, maxOutOfOrdernessMs: 0, allowedLatenessMs: 30_000 });
    assert.deepEqual(settings.windows, { kind: 'aligned', sizeMs: 60_000, slideMs: 15_000, offsetMs: 0 });
    assert.equal(settings.maxOutOfOrdernessMs, 0);
    assert.equal(settings.allowedLatenessMs, 30_000);
    assert.throws(() => errorRatesJob.settings({ slideMs: 20_000 }), ConfigError, 'a slide longer than the 10 s window');
  });
});

describe('errorRatesPoints', () => {
  const startMs = Date.UTC(2025, 0, 1, 0, 0, 10);
  const ns = (BigInt(startMs) * 1_000_000n).toString();

  test('writes url_counts, status_counts and error_rates with the window start in ns', () => {
    const w = aggregate([event('/home', 200), event('/cart', 404), event('/home', 503), event('/home', 200)]);
    const out = resultsOf(linesOf(windowOf(w, startMs, 2)));
    assert.deepEqual(out, [
      `url_counts,partition=2,url=/home count=3i ${ns}`,
      `url_counts,partition=2,url=/cart count=1i ${ns}`,
      `status_counts,partition=2,status=200 count=2i ${ns}`,
      `status_counts,partition=2,status=404 count=1i ${ns}`,
      `status_counts,partition=2,status=503 count=1i ${ns}`,
      `error_rates,partition=2 total=4i,errors=2i,client_errors=1i,server_errors=1i,rate=0.5 ${ns}`,
    ]);
  });

  test('one point per URL, one per status, one error_rates and one job_health point, each tagged with the partition and stamped with the window start', () => {
    const window = windowOf(aggregate([event('/a', 200), event('/b', 200)]), 20_000, 3);
    const points = errorRatesPoints(window, (measurement) => new Point(measurement, window.startMs).tag('partition', String(window.partition)));
    assert.equal(points.length, 2 + 1 + 1 + 1);
    for (const point of points) {
      assert.equal(point.timeMs, 20_000);
      assert.deepEqual(point.tags[0], ['partition', '3']);
    }
    assert.deepEqual(points.map((p) => p.measurement), ['url_counts', 'url_counts', 'status_counts', 'error_rates', 'job_health']);
  });

  test('url_errors: statuses >= 400 per URL that had any, in order of first appearance', () => {
    const w = aggregate([event('/ok', 200), event('/home', 503), event('/cart', 404), event('/home', 404), event('/home', 200), event('/cart', 302)]);
    const out = linesOf(windowOf(w, startMs, 1)).filter((line) => line.startsWith('url_errors,'));
    assert.deepEqual(out, [`url_errors,partition=1,url=/home errors=2i ${ns}`, `url_errors,partition=1,url=/cart errors=1i ${ns}`]);
  });

  test('job_health: the firing’s health as integer fields, last', () => {
    const window = {
      ...windowOf(aggregate([event('/a', 200)]), startMs, 4),
      health: { records: 1, lateRecords: 7, invalidRecords: 3, watermarkLagMs: 12_345, lateByMaxMs: 9_000, lateByP99Ms: 8_960 },
    };
    assert.equal(
      linesOf(window).at(-1),
      `job_health,partition=4,firing=0 records=1i,late_records=7i,invalid_records=3i,watermark_lag_ms=12345i,late_by_max_ms=9000i,late_by_p99_ms=8960i ${ns}`,
    );
  });

  test('escapes spaces, commas and equals signs in URL tags so they parse back exactly', () => {
    const url = '/search?q=a b,c=d&x=1';
    const out = linesOf(windowOf(aggregate([event(url, 200)]), startMs));
    assert.equal(out[0], `url_counts,partition=0,url=/search?q\\=a\\ b\\,c\\=d&x\\=1 count=1i ${ns}`);
    const parsed = parseLine(out[0]!);
    assert.equal(parsed.measurement, 'url_counts');
    assert.deepEqual(parsed.tags, { partition: '0', url });
    assert.deepEqual(parsed.fields, { count: '1i' });
    assert.equal(parsed.timestamp, ns);
  });

  test('counts are integer fields (suffix i), rate is a float field (no suffix)', () => {
    const w = aggregate([event('/a', 500), event('/a', 200), event('/a', 200)]);
    const out = resultsOf(linesOf(windowOf(w, startMs)));
    const rates = parseLine(out.at(-1)!);
    assert.equal(rates.measurement, 'error_rates');
    for (const field of ['total', 'errors', 'client_errors', 'server_errors']) assert.match(rates.fields[field]!, /^\d+i$/, field);
    assert.deepEqual(
      Object.fromEntries(Object.entries(rates.fields).filter(([k]) => k !== 'rate')),
      { total: '3i', errors: '1i', client_errors: '0i', server_errors: '1i' },
    );
    assert.doesNotMatch(rates.fields.rate!, /i$/);
    assert.equal(Number(rates.fields.rate), 1 / 3);
    for (const line of out.slice(0, -1)) assert.match(parseLine(line).fields.count!, /^\d+i$/);
  });

  test('timestamps stay exact beyond 2^53 ns for any ms window start', () => {
    // 2^53 ms would be far in the future; pick a start whose ns value is not representable as a double.
    const start = 1_735_689_612_345;
    const out = linesOf(windowOf(aggregate([event('/a', 200)]), start));
    const expected = (BigInt(start) * 1_000_000n).toString();
    for (const line of out) assert.equal(parseLine(line).timestamp, expected);
  });

  test('an empty window still writes its error_rates point with total 0', () => {
    const out = resultsOf(linesOf(windowOf(aggregate([]), startMs)));
    assert.deepEqual(out, [`error_rates,partition=0 total=0i,errors=0i,client_errors=0i,server_errors=0i,rate=0 ${ns}`]);
  });

});

describe('errorRatesJob pipeline', () => {
  test('parses, validates, windows and writes a partition of JSON lines', async () => {
    const t0 = Date.UTC(2025, 0, 1) / 1000; // a multiple of 10 s
    const lines = [
      { url: '/a', http_status: 200, event_timestamp: t0 + 1 },
      { url: '/a', http_status: 500, event_timestamp: t0 + 2 },
      'garbage',
      { url: '/b', http_status: 404, event_timestamp: t0 + 12 },
    ].map((e) => (typeof e === 'string' ? e : JSON.stringify({ user_id: 'u', ...e })));
    const invalid: InvalidRecord[] = [];
    const outputs = await lastValueFrom(
      of({ partition: 1, records: lines, positions: [10, 11, 12, 13] }).pipe(
        errorRatesJob.pipeline(
          { windowMs: 10_000, maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0 },
          { onInvalid: (r) => invalid.push(r), onLate: () => assert.fail('nothing is late') },
        ),
        toArray(),
      ),
    );
    assert.deepEqual(invalid.map((r) => [r.reason, r.position, r.partition]), [['not_json', 12, 1]]);
    const lp = lineProtocolOf(outputs);
    const ts0 = `${t0 * 1000}000000`;
    const ts1 = `${(t0 + 10) * 1000}000000`;
    // t0+12 s is before [t0, t0+10) + 5 s, so both windows fire only at the end of input.
    assert.deepEqual(resultsOf(lp), [
      `url_counts,partition=1,url=/a count=2i ${ts0}`,
      `status_counts,partition=1,status=200 count=1i ${ts0}`,
      `status_counts,partition=1,status=500 count=1i ${ts0}`,
      `error_rates,partition=1 total=2i,errors=1i,client_errors=0i,server_errors=1i,rate=0.5 ${ts0}`,
      `url_counts,partition=1,url=/b count=1i ${ts1}`,
      `status_counts,partition=1,status=404 count=1i ${ts1}`,
      `error_rates,partition=1 total=1i,errors=1i,client_errors=1i,server_errors=0i,rate=1 ${ts1}`,
    ]);
    assert.equal(outputs.reduce((n, o) => n + o.windowsFired, 0), 2);
    // The first firing takes the invalid line; the lag is the wall clock's, so only its form is fixed.
    assert.deepEqual(
      lp.filter((l) => l.startsWith('job_health,')).map((l) => l.replace(/watermark_lag_ms=\d+i/, 'watermark_lag_ms=<lag>')),
      [
        `job_health,partition=1,firing=0 records=2i,late_records=0i,invalid_records=1i,watermark_lag_ms=<lag>,late_by_max_ms=0i,late_by_p99_ms=0i ${ts0}`,
        `job_health,partition=1,firing=0 records=1i,late_records=0i,invalid_records=0i,watermark_lag_ms=<lag>,late_by_max_ms=0i,late_by_p99_ms=0i ${ts1}`,
      ],
    );
  });

  test('counts only the events that carry an HTTP status: tracker clicks change nothing, and are not invalid', async () => {
    const t0 = Date.UTC(2025, 0, 1) / 1000;
    const requests = [
      { url: '/a', http_status: 200, event_timestamp: t0 + 1 },
      { url: '/a', http_status: 503, event_timestamp: t0 + 2 },
      { url: '/shop', http_status: 404, event_timestamp: t0 + 3, event_type: 'page_view' },
    ];
    const clicks = [
      { url: '/a', event_timestamp: t0 + 1.5, event_type: 'click', action: 'buy_now' },
      { url: '/a', event_timestamp: t0 + 1.6, event_type: 'click', action: 'buy_now', http_status: null },
      { url: '/shop', event_timestamp: t0 + 12, event_type: 'click', action: 'add_to_cart' },
    ];
    const run = async (events: object[]) => {
      const invalid: InvalidRecord[] = [];
      const records = events.map((e) => JSON.stringify({ user_id: 'u', ...e }));
      const outputs = await lastValueFrom(
        of({ partition: 0, records }).pipe(
          errorRatesJob.pipeline({ windowMs: 10_000, maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0 }, { onInvalid: (r) => invalid.push(r), onLate: () => {} }),
          toArray(),
        ),
      );
      return { results: resultsOf(lineProtocolOf(outputs)), invalid };
    };
    const without = await run(requests);
    const withClicks = await run([...requests.slice(0, 1), clicks[0]!, clicks[1]!, ...requests.slice(1), clicks[2]!]);
    assert.deepEqual(withClicks.invalid, []);
    assert.deepEqual(withClicks.results, without.results);
    assert.ok(without.results.some((line) => line.includes('total=3i,errors=2i')), without.results.join('\n'));
  });

  test('dead-letters a URL that no InfluxDB tag can hold (trailing backslash, over-long) instead of failing the write', async () => {
    const t0 = Date.UTC(2025, 0, 1) / 1000;
    const urls = ['C:\\dir\\', 'x'.repeat(16_001), 'C:\\dir\\file', 'ok'];
    const lines = urls.map((url) => JSON.stringify({ user_id: 'u', url, http_status: 200, event_timestamp: t0 }));
    const invalid: InvalidRecord[] = [];
    const outputs = await lastValueFrom(
      of({ partition: 0, records: lines }).pipe(
        errorRatesJob.pipeline(
          { windowMs: 10_000, maxOutOfOrdernessMs: 0, allowedLatenessMs: 0 },
          { onInvalid: (r) => invalid.push(r), onLate: () => assert.fail('nothing is late') },
        ),
        toArray(),
      ),
    );
    assert.deepEqual(invalid.map((r) => [r.reason, r.position]), [['bad_url', 0], ['bad_url', 1]]);
    assert.match(invalid[0]!.detail, /backslash/);
    const lp = lineProtocolOf(outputs);
    assert.deepEqual(lp.filter((l) => l.startsWith('url_counts')).map((l) => parseLine(l).tags.url), ['C:\\dir\\file', 'ok']);
    assert.match(resultsOf(lp).at(-1)!, /^error_rates,partition=0 total=2i,/);
  });
});

describe('jobRegistry', () => {
  test('ships error-rates, sessions, actions and archive under their names', () => {
    assert.equal(findJob('error-rates'), errorRatesJob);
    assert.deepEqual([...JOBS.keys()], ['error-rates', 'sessions', 'actions', 'archive']);
  });

  test('an unknown job is a ConfigError that lists the shipped jobs', () => {
    assert.throws(() => findJob('error-rate'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /"error-rate"/);
      assert.match(error.message, /error-rates/);
      return true;
    });
  });
});
