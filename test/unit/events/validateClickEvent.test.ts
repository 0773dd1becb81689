import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { of, lastValueFrom, toArray } from 'rxjs';
import type { ClickEvent } from '../../../src/events/ClickEvent.js';
import { INVALID_REASONS, type InvalidReason, type InvalidRecord } from '../../../src/events/InvalidRecord.js';
import { OversizedRecord } from '../../../src/events/OversizedRecord.js';
import { validateClickEvent } from '../../../src/events/validateClickEvent.js';
import { parseRecords } from '../../../src/operators/parseRecords.js';
import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS } from '../../../src/time/eventTimeRange.js';

/** A valid event; tests spread it and change one field. */
function base(): Record<string, unknown> {
  return { user_id: 'u-1', url: 'search/categories', http_status: 404, event_timestamp: 1755720654 };
}

function eventTimeOf(value: Record<string, unknown>): number {
  const failure = validateClickEvent(value);
  assert.equal(failure, null, `expected valid, got ${JSON.stringify(failure)}`);
  return (value as unknown as ClickEvent).eventTimeMs;
}

/** Every reason some test below has seen; compared with INVALID_REASONS at the end. */
const seenReasons = new Set<InvalidReason>();
function expectReason(value: unknown, reason: InvalidReason, detailPattern?: RegExp): void {
  const failure = validateClickEvent(value);
  assert.notEqual(failure, null, `expected ${String(JSON.stringify(value))} to be refused`);
  assert.equal(failure!.reason, reason, `detail: ${failure!.detail}`);
  assert.ok(failure!.detail.length > 0, 'a failure says what is wrong');
  if (detailPattern !== undefined) assert.match(failure!.detail, detailPattern);
  seenReasons.add(reason);
}

/** Runs raw lines through parseRecords with validateClickEvent, as the job does. */
async function parseLines(lines: string[]): Promise<{ valid: ClickEvent[]; invalid: InvalidRecord[] }> {
  const invalid: InvalidRecord[] = [];
  const batches = await lastValueFrom(
    of({ partition: 3, records: lines, positions: lines.map((_, i) => 100 + i) }).pipe(
      parseRecords<ClickEvent>({ validate: validateClickEvent, onInvalid: (r) => invalid.push(r) }),
      toArray(),
    ),
  );
  return { valid: batches.flatMap((b) => [...b.records]), invalid };
}

describe('validateClickEvent: event time', () => {
  test('integer epoch seconds become milliseconds', () => {
    assert.equal(eventTimeOf(base()), 1_755_720_654_000);
  });

  test('fractional epoch seconds are multiplied by 1000 and rounded to the nearest ms', () => {
    assert.equal(eventTimeOf({ ...base(), event_timestamp: 1755720654.483 }), 1_755_720_654_483);
    // …0004 s = 0.4 ms → 0; …0006 s = 0.6 ms → 1
    assert.equal(eventTimeOf({ ...base(), event_timestamp: 1735689600.0004 }), 1_735_689_600_000);
    assert.equal(eventTimeOf({ ...base(), event_timestamp: 1735689600.0006 }), 1_735_689_600_001);
    // 1735689609.9996 s is 0.4 ms before 1735689610 s: rounds up into the next second
    assert.equal(eventTimeOf({ ...base(), event_timestamp: 1735689609.9996 }), 1_735_689_610_000);
    assert.equal(eventTimeOf({ ...base(), event_timestamp: 1735689609.9994 }), 1_735_689_609_999);
  });

  test('the accepted range is 1990-01-01T00:00:00Z inclusive to 2100-01-01T00:00:00Z exclusive, in both forms', () => {
    assert.equal(MIN_EVENT_TIME_MS, Date.parse('1990-01-01T00:00:00Z'));
    assert.equal(MAX_EVENT_TIME_MS, Date.parse('2100-01-01T00:00:00Z'));
    assert.equal(eventTimeOf({ ...base(), event_timestamp: MIN_EVENT_TIME_MS / 1000 }), MIN_EVENT_TIME_MS);
    assert.equal(eventTimeOf({ ...base(), event_timestamp: MAX_EVENT_TIME_MS / 1000 - 0.001 }), MAX_EVENT_TIME_MS - 1);
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '1990-01-01T00:00:00Z' }), MIN_EVENT_TIME_MS);
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2099-12-31T23:59:59.999Z' }), MAX_EVENT_TIME_MS - 1);
    const outside = [
      MIN_EVENT_TIME_MS / 1000 - 0.001,
      MAX_EVENT_TIME_MS / 1000,
      // rounds to the first millisecond of 2100
      MAX_EVENT_TIME_MS / 1000 - 0.0004,
      0,
      -1.5,
      '1989-12-31T23:59:59.999Z',
      '2100-01-01T00:00:00Z',
      '2100-01-01',
      // 1990-01-01T00:30 at +01:00 is 1989-12-31T23:30Z
      '1990-01-01T00:30:00+01:00',
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
    ];
    for (const ts of outside) expectReason({ ...base(), event_timestamp: ts }, 'bad_timestamp', /outside the accepted range.*1990-01-01T00:00:00.000Z.*2100-01-01T00:00:00.000Z/);
  });

  test('a time in milliseconds, microseconds or nanoseconds is refused and the unit named', () => {
    expectReason(
      { ...base(), event_timestamp: 1755720002000 },
      'bad_timestamp',
      /^event_timestamp 1755720002000 looks like milliseconds \(2025-08-20T20:00:02.000Z\); event_timestamp is epoch seconds$/,
    );
    expectReason({ ...base(), event_timestamp: 1755720002000.5 }, 'bad_timestamp', /looks like milliseconds/);
    expectReason({ ...base(), event_timestamp: 1755720002000123 }, 'bad_timestamp', /looks like microseconds \(2025-08-20T20:00:02.000Z\)/);
    expectReason({ ...base(), event_timestamp: 1755720002000123456 }, 'bad_timestamp', /looks like nanoseconds \(2025-08-20T20:00:02.000Z\)/);
  });

  test('times beyond what Date or InfluxDB hold are refused with the range, not called non-finite', () => {
    for (const ts of [9_000_000_000_000, 1e20, 1e300, Number.MAX_SAFE_INTEGER, -1e20]) {
      expectReason({ ...base(), event_timestamp: ts }, 'bad_timestamp', /is outside the accepted range/);
    }
    expectReason({ ...base(), event_timestamp: 1e20 }, 'bad_timestamp', /^event_timestamp 100000000000000000000 is outside/);
  });

  test('the range lies inside what Date and InfluxDB (int64 nanoseconds) hold, so no accepted time can crash a sink', () => {
    const INT64_MAX = 2n ** 63n - 1n;
    for (const ms of [MIN_EVENT_TIME_MS, MAX_EVENT_TIME_MS]) {
      assert.doesNotThrow(() => new Date(ms).toISOString());
      const ns = BigInt(ms) * 1_000_000n;
      assert.ok(ns > -INT64_MAX && ns < INT64_MAX, `${ms} ms fits line protocol`);
    }
    assert.ok(MIN_EVENT_TIME_MS < MAX_EVENT_TIME_MS);
  });

  test('ISO-8601 strings are accepted, with Z or an offset', () => {
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2025-01-01T00:00:03.250Z' }), Date.UTC(2025, 0, 1, 0, 0, 3, 250));
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2025-01-01T01:00:00+01:00' }), Date.UTC(2025, 0, 1, 0, 0, 0));
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2024-12-31T19:30:00-04:30' }), Date.UTC(2025, 0, 1, 0, 0, 0));
  });

  test('sets eventTimeMs in place on the same object (no copy)', () => {
    const value = base();
    assert.equal(validateClickEvent(value), null);
    assert.equal((value as unknown as ClickEvent).eventTimeMs, 1_755_720_654_000);
    assert.equal(value.event_timestamp, 1755720654, 'the wire field is left as sent');
  });

  test('a string that is not ISO-8601 is refused as bad_timestamp', () => {
    for (const text of ['1', '2025', 'March 7, 2025', '12/31/2024', ' 2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z\n']) {
      expectReason({ ...base(), event_timestamp: text }, 'bad_timestamp', /is neither epoch seconds nor a valid ISO-8601 date-time/);
    }
  });

  test('ISO-8601 offsets: with or without a colon, hours only, lower-case z; impossible ones refused', () => {
    const utcMidnight = Date.UTC(2025, 0, 1);
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2025-01-01T05:30:00+0530' }), utcMidnight);
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2025-01-01T05:00:00+05' }), utcMidnight);
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2025-01-01t00:00:00z' }), utcMidnight);
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2025-01-01T00:00:00-00:00' }), utcMidnight);
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2025-01-01 00:00' }), utcMidnight);
    // 24:00 is the end of a day in ISO 8601: the next midnight
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2024-12-31T24:00:00Z' }), utcMidnight);
    for (const text of [
      '2025-01-01T00:00:00+25:00',
      '2025-01-01T00:00:00+05:99',
      '2025-01-01T00:00:00+5:00',
      '2025-01-01T00:00:00+05:3',
      '2025-01-01T00:00:00 +05:00',
      '2025-01-01T24:00:01Z',
      '2025-01-01T23:59:60Z',
      '2025-01-01T00:60:00Z',
      '2025-02-29T00:00:00Z',
      '2025-01-01T00:00.5Z',
      '2025-01-01T00:00:00.1234567890Z',
    ]) {
      expectReason({ ...base(), event_timestamp: text }, 'bad_timestamp', /neither epoch seconds nor a valid ISO-8601/);
    }
  });

  test('digits below the millisecond are rounded as in epoch seconds, so one instant gets one event time', () => {
    for (const [iso, seconds] of [
      ['2025-01-01T00:00:09.9996Z', 1735689609.9996],
      ['2025-01-01T00:00:09.9994Z', 1735689609.9994],
      ['2025-01-01T00:00:00.0006Z', 1735689600.0006],
      ['2025-01-01T00:00:00.999999999+00:00', 1735689600.999999999],
      ['2025-01-01T01:00:00.0006+01:00', 1735689600.0006],
    ] as const) {
      assert.equal(eventTimeOf({ ...base(), event_timestamp: iso }), eventTimeOf({ ...base(), event_timestamp: seconds }), iso);
    }
    assert.equal(eventTimeOf({ ...base(), event_timestamp: '2024-12-31T23:59:59.9999Z' }), Date.UTC(2025, 0, 1));
  });
});

describe('validateClickEvent: optional fields', () => {
  test('pass through untouched when present', () => {
    const value = {
      ...base(),
      session_id: 's-9',
      method: 'POST',
      referrer: 'https://example.com/a?b=c',
      user_agent: 'Mozilla/5.0 (X11)',
      latency_ms: 12.5,
      event_id: 'e-1',
      extra_field: { nested: true },
    };
    const snapshot = structuredClone(value);
    assert.equal(validateClickEvent(value), null);
    const { eventTimeMs, ...rest } = value as typeof value & { eventTimeMs: number };
    assert.equal(eventTimeMs, 1_755_720_654_000);
    assert.deepEqual(rest, snapshot);
  });

  test('may be absent or null', () => {
    assert.equal(validateClickEvent(base()), null);
    const withNulls = { ...base(), session_id: null, method: null, referrer: null, user_agent: null, latency_ms: null, event_id: null };
    assert.equal(validateClickEvent(withNulls), null);
  });

  test('status codes at both ends of 100–599 are valid', () => {
    for (const http_status of [100, 399, 400, 599]) assert.equal(validateClickEvent({ ...base(), http_status }), null, String(http_status));
  });
});

describe('validateClickEvent: every reason in InvalidRecord', () => {
  test('not_json: a line that does not parse (reported by parseRecords)', async () => {
    const lines = ['{"user_id":"u","url":', 'hello', ''];
    const { valid, invalid } = await parseLines(lines);
    assert.equal(valid.length, 0);
    assert.deepEqual(
      invalid.map((r) => [r.reason, r.raw, r.partition, r.position]),
      lines.map((line, i) => ['not_json', line, 3, 100 + i]),
    );
    for (const r of invalid) assert.ok(r.detail.length > 0);
    seenReasons.add('not_json');
  });

  test('not_an_object: JSON that is not an object', () => {
    expectReason(null, 'not_an_object', /null/);
    expectReason([base()], 'not_an_object', /array/);
    expectReason('a string', 'not_an_object');
    expectReason(42, 'not_an_object', /42/);
    expectReason(true, 'not_an_object');
  });

  test('missing_field: each required field absent, null or empty', () => {
    for (const field of ['user_id', 'url', 'http_status', 'event_timestamp']) {
      const absent = base();
      delete absent[field];
      expectReason(absent, 'missing_field', new RegExp(field));
      expectReason({ ...base(), [field]: null }, 'missing_field', new RegExp(field));
    }
    expectReason({ ...base(), user_id: '' }, 'missing_field', /user_id/);
    expectReason({ ...base(), url: '' }, 'missing_field', /url/);
  });

  test('http_status: optional on an event with an event_type (a tracker click), required on one without', () => {
    const { http_status: _, ...click } = base();
    const valid = { ...click, event_type: 'click', action: 'add_to_cart' };
    assert.equal(validateClickEvent(valid), null);
    assert.equal((valid as unknown as ClickEvent).http_status, undefined);
    assert.equal(validateClickEvent({ ...click, event_type: 'page_view', http_status: null }), null);
    // Data without event_type validates as before the tracker: a missing status is refused.
    expectReason(click, 'missing_field', /^http_status is missing$/);
    expectReason({ ...click, event_type: 7 }, 'wrong_type', /event_type/);
    // A status that is there is checked whatever the event_type.
    expectReason({ ...base(), event_type: 'http_error', http_status: '503' }, 'wrong_type', /http_status/);
    expectReason({ ...base(), event_type: 'http_error', http_status: 0 }, 'status_out_of_range');
  });

  test('wrong_type: required and optional fields of the wrong JSON type', () => {
    expectReason({ ...base(), user_id: 17 }, 'wrong_type', /user_id/);
    expectReason({ ...base(), url: ['a'] }, 'wrong_type', /url/);
    expectReason({ ...base(), http_status: '404' }, 'wrong_type', /http_status.*"404"/);
    expectReason({ ...base(), event_timestamp: true }, 'wrong_type', /event_timestamp/);
    expectReason({ ...base(), event_timestamp: { s: 1 } }, 'wrong_type', /event_timestamp/);
    for (const field of ['session_id', 'method', 'referrer', 'user_agent', 'event_id', 'event_type', 'action']) {
      expectReason({ ...base(), [field]: 5 }, 'wrong_type', new RegExp(field));
    }
    expectReason({ ...base(), latency_ms: '12' }, 'wrong_type', /latency_ms/);
    // JSON's 1e400 is Infinity: a float field cannot hold it, and a job writing it would fail on every restart.
    expectReason(JSON.parse('{"user_id":"u","url":"/a","http_status":200,"event_timestamp":1735689600,"latency_ms":1e400}'), 'wrong_type', /latency_ms must be a finite number of milliseconds, 0 or more, got number Infinity/);
    expectReason({ ...base(), latency_ms: -5 }, 'wrong_type', /latency_ms.*got number -5/);
    expectReason({ ...base(), latency_ms: Number.NaN }, 'wrong_type', /latency_ms/);
  });

  test('status_out_of_range: outside 100–599 or not an integer', () => {
    for (const http_status of [99, 600, 700, 0, -200, 200.5]) {
      expectReason({ ...base(), http_status }, 'status_out_of_range', new RegExp(`${http_status}.*100.*599`));
    }
  });

  test('bad_timestamp: non-finite numbers, times outside the range and unparseable strings', () => {
    for (const ts of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expectReason({ ...base(), event_timestamp: ts }, 'bad_timestamp', /is not a finite number of epoch seconds/);
    }
    for (const ts of [1e300, Number.MAX_SAFE_INTEGER, 0, '1900-01-01T00:00:00Z']) {
      expectReason({ ...base(), event_timestamp: ts }, 'bad_timestamp', /outside the accepted range/);
    }
    expectReason({ ...base(), event_timestamp: 'yesterday' }, 'bad_timestamp', /yesterday/);
    expectReason({ ...base(), event_timestamp: '' }, 'bad_timestamp');
    // Epoch seconds sent as a string are neither a number nor ISO-8601.
    expectReason({ ...base(), event_timestamp: '1755720654.483' }, 'bad_timestamp');
  });

  test('bad_encoding and too_long: bytes that are not UTF-8, lines too long to read (reported by parseRecords)', async () => {
    const notUtf8 = Buffer.from([...Buffer.from('{"url":"/caf'), 0xe9, ...Buffer.from('"}')]);
    const head = new OversizedRecord(Buffer.from('{"url":"/aaaa'), 20_000_000);
    const invalid: InvalidRecord[] = [];
    await lastValueFrom(
      of({ partition: 0, records: [notUtf8, head] }).pipe(
        parseRecords<ClickEvent>({ validate: validateClickEvent, onInvalid: (r) => invalid.push(r) }),
        toArray(),
      ),
    );
    assert.deepEqual(
      invalid.map((r) => [r.reason, r.raw]),
      [
        ['bad_encoding', notUtf8],
        ['too_long', head],
      ],
    );
    assert.match(invalid[0]!.detail, /not valid UTF-8: byte 0xe9 at offset 12/);
    assert.match(invalid[1]!.detail, /20000000 bytes long.*first 13 bytes/);
    seenReasons.add('bad_encoding');
    seenReasons.add('too_long');
  });

  test('an invalid record gets no eventTimeMs', () => {
    const value: Record<string, unknown> = { ...base(), http_status: 700 };
    validateClickEvent(value);
    assert.equal('eventTimeMs' in value, false);
  });

  test('the tests above cover every reason in INVALID_REASONS but the error-rates job\'s own bad_url', () => {
    assert.deepEqual([...seenReasons].sort(), INVALID_REASONS.filter((r) => r !== 'bad_url').sort());
  });
});

describe('parseRecords with validateClickEvent', () => {
  test('keeps valid records with their positions and routes each invalid one with its reason', async () => {
    const lines = [
      JSON.stringify(base()),
      '{"user_id":"u","url":"/x","http_status":700,"event_timestamp":1}',
      '[]',
      JSON.stringify({ ...base(), url: 'other', event_timestamp: '2025-01-01T00:00:00Z' }),
    ];
    const { valid, invalid } = await parseLines(lines);
    assert.deepEqual(
      valid.map((e) => [e.url, e.eventTimeMs]),
      [
        ['search/categories', 1_755_720_654_000],
        ['other', Date.UTC(2025, 0, 1)],
      ],
    );
    assert.deepEqual(
      invalid.map((r) => [r.reason, r.position, r.raw]),
      [
        ['status_out_of_range', 101, lines[1]],
        ['not_an_object', 102, '[]'],
      ],
    );
  });

  test('bytes are decoded as UTF-8', async () => {
    const invalid: InvalidRecord[] = [];
    const json = JSON.stringify({ ...base(), url: 'café/menü' });
    const [batch] = await lastValueFrom(
      of({ partition: 0, records: [new TextEncoder().encode(json)] }).pipe(
        parseRecords<ClickEvent>({ validate: validateClickEvent, onInvalid: (r) => invalid.push(r) }),
        toArray(),
      ),
    );
    assert.equal(invalid.length, 0);
    assert.equal(batch!.records[0]!.url, 'café/menü');
  });
});
