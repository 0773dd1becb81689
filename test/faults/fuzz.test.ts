import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { prng, randInt } from '../unit/operators/reference.js';
import { comparable, readErrorRates } from '../services/readErrorRates.js';
import { referenceWindows, type ExpectedWindow, type WindowKey } from '../services/referenceWindows.js';
import { runCli } from '../services/runCli.js';
import { consumeAll } from '../services/consumeAll.js';

/*
 * Fuzz: 100 000 records into a real broker, read by `clickflow run error-rates --bounded` into
 * a real InfluxDB. Valid events (many with URLs full of line-protocol delimiters, some of them
 * 1 MB) are mixed with random bytes, truncated and 1 MB truncated JSON, wrong types, absurd
 * times and unusable URLs. Each record's fate is decided here by rules restated from the README
 * ("Events and output schema"), independently of the code under test; then:
 * - the run does not crash and reads every record;
 * - every invalid record is in the dead-letter topic once, byte for byte, with its reason;
 * - InfluxDB holds exactly the windows a brute-force reference computes from the valid ones;
 * - valid + invalid = sent, counted + late = valid.
 */

const SENT = 100_000;
const PARTITIONS = 3;
const WINDOW = { windowMs: 10_000, maxOutOfOrdernessMs: 5_000 };
const T0 = Date.UTC(2025, 0, 1);
/** ~1 MB, the size the brief asks for; the topics take up to 64 MiB a batch (max.message.bytes below). */
const HUGE_BYTES = 1_000_000;
const TOPIC_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const MIN_MS = Date.UTC(1990, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);
const MAX_URL_LENGTH = 16_000;
const RUN_BOUND_MS = 10 * 60_000;

// ---------------------------------------------------------------------------------------------
// What happens to a record, by the README's rules.

/** The dead-letter reason a record must get, or null for a valid event. */
function expectedReason(bytes: Buffer): string | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return 'bad_encoding';
  }
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch {
    return 'not_json';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not_an_object';
  const e = value as Record<string, unknown>;
  for (const field of ['user_id', 'url']) {
    const v = e[field];
    if (v === undefined || v === null || v === '') return 'missing_field';
    if (typeof v !== 'string') return 'wrong_type';
  }
  const status = e.http_status;
  if (status === undefined || status === null) return 'missing_field';
  if (typeof status !== 'number') return 'wrong_type';
  if (!Number.isInteger(status) || status < 100 || status > 599) return 'status_out_of_range';
  const ts = e.event_timestamp;
  if (ts === undefined || ts === null) return 'missing_field';
  let ms: number;
  if (typeof ts === 'number') ms = Math.round(ts * 1000);
  // The only strings generated below are toISOString()'s and obvious garbage.
  else if (typeof ts === 'string') ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(ts) ? Date.parse(ts) : NaN;
  else return 'wrong_type';
  if (!(ms >= MIN_MS && ms < MAX_MS)) return 'bad_timestamp';
  for (const field of ['session_id', 'method', 'referrer', 'user_agent', 'event_id']) {
    const v = e[field];
    if (v !== undefined && v !== null && typeof v !== 'string') return 'wrong_type';
  }
  if (e.latency_ms !== undefined && e.latency_ms !== null && typeof e.latency_ms !== 'number') return 'wrong_type';
  const url = e.url as string;
  if (url.endsWith('\\') || url.length > MAX_URL_LENGTH) return 'bad_url';
  return null;
}

/** What InfluxDB stores for a tag value: newline, CR and tab as `\n`, `\r`, `\t`, an odd run of backslashes before a space one longer (README, "Output"). */
const stored = (s: string) =>
  s
    .replace(/(?<!\\)((?:\\\\)*\\) /g, '$1\\ ')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/\r/g, '\\r');

// ---------------------------------------------------------------------------------------------
// The records.

const rand = prng(16_016);
const pick = <T>(items: readonly T[]): T => items[randInt(rand, 0, items.length - 1)]!;
const SPECIAL = [',', '=', ' ', '"', "'", '\\', '\n', '\r', '\t', '\0', '#', '中', 'é', '🙂', '\u2028', '\u200b', 'i', '0'];
const ASCII = 'abcdefghijklmnopqrstuvwxyz0123456789/-_.?&%';
function craftedUrl(maxLength: number): string {
  let url = '/';
  for (let n = randInt(rand, 1, maxLength); n > 0; n--) url += rand() < 0.4 ? pick(SPECIAL) : ASCII[randInt(rand, 0, ASCII.length - 1)];
  return url.endsWith('\\') ? `${url}x` : url;
}
const URL_POOL = [
  '/home',
  '/search?q=a,b c=d',
  '/x count=999i',
  '/x,admin=true',
  '/x f=1i 0\nurl_counts,partition=0,url=/evil count=1i 0',
  '/a\\,b=c',
  '/"quoted" \\"path\\"',
  '/tab\there',
  '/cr\rlf\r\n',
  '/nul\0byte',
  '#/comment',
  ' /leading space',
  '/日本語/ページ',
  '/emoji/🙂🚀',
  ...Array.from({ length: 186 }, () => craftedUrl(24)),
];
const STATUSES = [200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 404, 429, 500, 502, 503];

/** Event time of the i-th record: 5 ms apart, a few seconds out of order, 1 % far behind (late). */
function eventMs(i: number): number {
  const ms = T0 + i * 5 - randInt(rand, 0, 3_000);
  return rand() < 0.01 ? ms - 30_000 : ms;
}

function event(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const ms = eventMs(i);
  return {
    user_id: `u${randInt(rand, 1, 5_000)}`,
    url: rand() < 0.03 ? craftedUrl(40) : pick(URL_POOL),
    http_status: pick(STATUSES),
    event_timestamp: rand() < 0.1 ? new Date(ms).toISOString() : ms / 1000,
    ...overrides,
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function randomBytes(): Buffer {
  const bytes = Buffer.alloc(randInt(rand, 1, 200));
  for (let k = 0; k < bytes.length; k++) bytes[k] = randInt(rand, 0, 255);
  return bytes;
}

function truncated(value: unknown, keep?: number): Buffer {
  const whole = json(value);
  return whole.subarray(0, keep ?? randInt(rand, 1, whole.length - 1));
}

const ABSURD_TIMES: (() => unknown)[] = [
  () => 0,
  () => Date.UTC(3000, 0, 1) / 1000,
  () => T0, // milliseconds where seconds belong
  () => T0 * 1000, // microseconds
  () => -1,
  () => 'NaN',
  () => 'yesterday',
  () => '',
  () => new Date(Date.UTC(3000, 0, 1)).toISOString(),
  () => new Date(Date.UTC(1989, 11, 31)).toISOString(),
];
const WRONG_TYPES: ((i: number) => unknown)[] = [
  (i) => event(i, { user_id: 42 }),
  (i) => event(i, { url: ['/a'] }),
  (i) => event(i, { url: null }),
  (i) => event(i, { http_status: '200' }),
  (i) => event(i, { event_timestamp: { s: 1 } }),
  (i) => event(i, { event_timestamp: true }),
  (i) => event(i, { latency_ms: 'fast' }),
  (i) => event(i, { method: 7 }),
  (i) => event(i, { user_id: '' }),
  (i) => {
    const e = event(i);
    delete e.http_status;
    return e;
  },
];

/** Record i as bytes; roughly 80 % valid. */
function record(i: number): Buffer {
  const r = rand();
  if (i % 10_000 === 5) return json(event(i, { user_agent: 'x'.repeat(HUGE_BYTES) })); // huge and valid
  if (i % 10_000 === 7) return truncated(event(i, { user_agent: 'y'.repeat(HUGE_BYTES) }), HUGE_BYTES); // huge, truncated
  if (i % 20_000 === 9) return json(event(i, { url: `/long/${'a'.repeat(15_000)}` }));
  if (i % 20_000 === 11) return json(event(i, { url: `/too-long/${'b'.repeat(MAX_URL_LENGTH)}` }));
  if (r < 0.8) return json(event(i));
  if (r < 0.83) {
    let bytes = randomBytes();
    while (bytes[0] === 0xef) bytes = randomBytes(); // no byte-order mark by chance
    return bytes;
  }
  if (r < 0.86) return truncated(event(i));
  if (r < 0.89) return json(pick(WRONG_TYPES)(i));
  if (r < 0.92) return json(event(i, { event_timestamp: pick(ABSURD_TIMES)() }));
  if (r < 0.93) return Buffer.from(JSON.stringify(event(i)).replace(/"event_timestamp":[^,}]+/, pick(['"event_timestamp":NaN', '"event_timestamp":Infinity'])));
  if (r < 0.94) return Buffer.from(JSON.stringify(event(i)).replace(/"event_timestamp":[^,}]+/, '"event_timestamp":1e400'));
  if (r < 0.96) return json(event(i, { http_status: pick([99, 600, 200.5, -1, 1e400]) }));
  if (r < 0.97) return json(event(i, { url: `${craftedUrl(10)}\\` }));
  if (r < 0.985) return json(pick([[1, 2], 'a string', 42, null, true, []]));
  return json(event(i, { url: craftedUrl(200) }));
}

// ---------------------------------------------------------------------------------------------

interface Sent {
  readonly partition: number;
  readonly offset: number;
  readonly bytes: Buffer;
  readonly reason: string | null;
}

let kafka: Kafka;
let bucket: InfluxTestBucket;

before(async () => {
  kafka = new Kafka({ clientId: 'fuzz', brokers: [serviceEnv().brokers], logLevel: logLevel.NOTHING });
  bucket = await InfluxTestBucket.create('fuzz');
});
after(async () => {
  await bucket?.drop();
});

/** The reference's URLs as InfluxDB stores them (two URLs one stand-in apart would share a tag). */
function asStored(windows: Map<WindowKey, ExpectedWindow>): Map<WindowKey, ExpectedWindow> {
  for (const w of windows.values()) {
    const urls = new Map<string, number>();
    for (const [url, n] of w.urls) urls.set(stored(url), (urls.get(stored(url)) ?? 0) + n);
    w.urls.clear();
    for (const [url, n] of urls) w.urls.set(url, n);
  }
  return windows;
}

describe('fuzz: valid events among every kind of bad input, through the real broker into the real InfluxDB', { timeout: 20 * 60_000 }, () => {
  test(`${SENT} records: no crash, every valid event counted once, every invalid one dead-lettered once with its reason`, async () => {
    const topic = uniqueName('fuzz');
    const admin = kafka.admin();
    await admin.connect();
    try {
      const configEntries = [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }];
      await admin.createTopics({ topics: [topic, `${topic}.dlq`].map((t) => ({ topic: t, numPartitions: PARTITIONS, configEntries })), waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }

    // Each partition gets every third record, sent in order by one idempotent producer: offsets are known.
    const sent: Sent[] = [];
    const nextOffset = new Array<number>(PARTITIONS).fill(0);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      let batch: Message[] = [];
      let batchBytes = 0;
      for (let i = 0; i < SENT; i++) {
        const bytes = record(i);
        const partition = i % PARTITIONS;
        sent.push({ partition, offset: nextOffset[partition]!++, bytes, reason: expectedReason(bytes) });
        batch.push({ partition, value: bytes });
        batchBytes += bytes.length;
        if (batch.length === 2_000 || batchBytes > 4_000_000 || i === SENT - 1) {
          await producer.send({ topic, acks: -1, messages: batch });
          batch = [];
          batchBytes = 0;
        }
      }
    } finally {
      await producer.disconnect();
    }
    const invalidSent = sent.filter((s) => s.reason !== null);
    const validSent = sent.filter((s) => s.reason === null);
    const reasons = new Set(invalidSent.map((s) => s.reason));
    for (const reason of ['bad_encoding', 'not_json', 'not_an_object', 'missing_field', 'wrong_type', 'status_out_of_range', 'bad_timestamp', 'bad_url']) {
      assert.ok(reasons.has(reason), `the input has ${reason} records`);
    }

    const env = serviceEnv();
    const run = await runCli(
      ['run', 'error-rates', '--from', 'kafka', '--bounded', '--topic', topic, '--group', uniqueName('fuzz'), '--to', 'influx', '--window', '10s', '--max-out-of-orderness', '5s'],
      { KAFKA_BROKERS: env.brokers, INFLUX_URL: env.influxUrl, INFLUX_ORG: env.influxOrg, INFLUX_TOKEN: env.influxToken, INFLUX_BUCKET: bucket.target.bucket },
    );
    assert.equal(run.code, 0, `the run crashed:\n${run.stderr.slice(-4000)}`);

    // Dead letters: each invalid record once, byte for byte, with its reason and origin.
    const dead = await consumeAll(serviceEnv().brokers, `${topic}.dlq`, invalidSent.length, RUN_BOUND_MS, TOPIC_MAX_MESSAGE_BYTES);
    const bySource = new Map(sent.map((s) => [`${s.partition}|${s.offset}`, s]));
    const seen = new Set<string>();
    let wrongReasons = 0;
    for (const d of dead) {
      const key = `${d.headers['source.partition']}|${d.headers['source.offset']}`;
      const source = bySource.get(key);
      assert.ok(source !== undefined, `a dead letter from nowhere: ${key}`);
      assert.ok(!seen.has(key), `dead-lettered twice: ${key}`);
      seen.add(key);
      assert.equal(d.headers['source.topic'], topic);
      assert.ok(d.bytes.equals(source.bytes), `dead letter ${key} holds other bytes than were sent`);
      if (d.headers.reason !== source.reason) wrongReasons++;
      assert.equal(d.headers.reason, source.reason, `record ${key} ${JSON.stringify(source.bytes.subarray(0, 200).toString())}: ${d.headers.detail}`);
    }
    assert.equal(dead.length, invalidSent.length, 'every invalid record is dead-lettered');

    // InfluxDB: exactly the reference's windows.
    const reference = referenceWindows(
      validSent.map((s) => ({ partition: s.partition, offset: s.offset, value: s.bytes.toString('utf8') })),
      { ...WINDOW, bounded: true },
    );
    const expected = comparable(asStored(reference.windows)) as { key: string; total: number }[];
    const actual = comparable(await readErrorRates(bucket)) as { key: string; total: number }[];
    const actualByKey = new Map(actual.map((w) => [w.key, JSON.stringify(w)]));
    const mismatches = expected.filter((w) => actualByKey.get(w.key) !== JSON.stringify(w)).length + actual.filter((w) => !expected.some((e) => e.key === w.key)).length;

    // What the run says it did (its summary line), and what InfluxDB counted.
    const summary = /: (\d+) records in .*?, (\d+) invalid.*?, (\d+) late/.exec(run.stderr);
    assert.ok(summary !== null, run.stderr.slice(-2000));
    const [recordsIn, invalid, late] = summary.slice(1).map(Number) as [number, number, number];
    const counted = actual.reduce((sum, w) => sum + w.total, 0);
    const row = {
      scenario: 'fuzz',
      sent: SENT,
      counted,
      invalid,
      late,
      windowsCompared: expected.length,
      mismatches: mismatches + wrongReasons,
    };
    if (process.env.CLICKFLOW_FAULT_REPORT) appendFileSync(process.env.CLICKFLOW_FAULT_REPORT, `${JSON.stringify(row)}\n`);

    assert.equal(mismatches, 0, `${mismatches} of ${expected.length} windows differ from the reference`);
    assert.deepEqual(actual, expected);
    assert.equal(recordsIn, SENT, 'every record was read');
    assert.equal(invalid, invalidSent.length, 'the run counted every invalid record');
    assert.equal(late, reference.late, 'the run counted the late events the reference finds');
    assert.equal(counted + late + invalid, SENT, 'counted + late + invalid = sent');
    assert.equal(validSent.length + invalidSent.length, SENT);
    assert.ok(late > 0 && expected.length > 0, 'the input has late events and windows');
  });
});
