import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { consumeAll } from './consumeAll.js';
import { runCli } from './runCli.js';

const COUNT = 20_000;
// Seeded runs start their event clock here and space events 1 ms apart (1000 events/s).
const START_MS = Date.parse('2025-01-01T00:00:00Z');
const OPTIONS = [
  '--seed', '11',
  '--count', String(COUNT),
  '--urls', '300',
  '--error-rate', '0.2',
  '--burst', '503:0.5:10s@60s',
  '--late', '0.05:60s',
  '--out-of-order', '2s',
  '--invalid', '0.02',
];

interface Parsed {
  readonly url?: unknown;
  readonly http_status?: unknown;
  readonly event_timestamp?: unknown;
  readonly user_id?: unknown;
}

/** The engine issue's validity rules, restated independently of the code under test. */
function isValid(value: string): boolean {
  let e: Parsed;
  try {
    e = JSON.parse(value) as Parsed;
  } catch {
    return false;
  }
  return (
    typeof e.url === 'string' &&
    typeof e.user_id === 'string' &&
    typeof e.http_status === 'number' &&
    Number.isInteger(e.http_status) &&
    e.http_status >= 100 &&
    e.http_status <= 599 &&
    typeof e.event_timestamp === 'number'
  );
}

describe('clickflow produce against a real broker', () => {
  test('sends the seeded events keyed by URL, in the proportions asked', async () => {
    const { brokers } = serviceEnv();
    const topic = uniqueName('produce');
    const sent = await runCli(['produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', ...OPTIONS]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, new RegExp(`sent ${COUNT} events`));

    const records = await consumeAll(brokers, topic, COUNT);
    assert.equal(records.length, COUNT);
    assert.deepEqual(new Set(records.map((r) => r.partition)), new Set([0, 1, 2]));

    // Same seed and options: the same bytes as a dry run.
    const dry = await runCli(['produce', '--dry-run', ...OPTIONS]);
    assert.equal(dry.code, 0, dry.stderr);
    const dryLines = dry.stdout.trimEnd().split('\n');
    assert.deepEqual(records.map((r) => r.value).sort(), [...dryLines].sort());

    const valid = records.filter((r) => isValid(r.value));
    const invalidShare = 1 - valid.length / COUNT;
    assert.ok(Math.abs(invalidShare - 0.02) < 0.005, `invalid share ${invalidShare}, asked 0.02 ± 0.005`);

    const partitionsOfUrl = new Map<string, Set<number>>();
    for (const r of valid) {
      const url = (JSON.parse(r.value) as { url: string }).url;
      assert.equal(r.key, url, 'a valid event is keyed by its URL');
      partitionsOfUrl.set(url, (partitionsOfUrl.get(url) ?? new Set()).add(r.partition));
    }
    for (const [url, partitions] of partitionsOfUrl) assert.equal(partitions.size, 1, `${url} is on ${[...partitions]}`);

    // Event time, in send order: the running maximum tells late and out-of-order events apart.
    const events = dryLines.filter(isValid).map((line) => JSON.parse(line) as { http_status: number; event_timestamp: number });
    let maxMs = -Infinity;
    let late = 0;
    let behind = 0;
    let maxInOrderLagMs = 0;
    for (const e of events) {
      const ms = Math.round(e.event_timestamp * 1000);
      const lag = maxMs - ms;
      if (lag > 25_000) late++;
      else if (lag > 0) {
        behind++;
        maxInOrderLagMs = Math.max(maxInOrderLagMs, lag);
      }
      maxMs = Math.max(maxMs, ms);
    }
    const lateShare = late / events.length;
    assert.ok(Math.abs(lateShare - 0.05) < 0.01, `late share ${lateShare}, asked 0.05 ± 0.01`);
    assert.ok(behind / events.length > 0.5, `only ${behind} of ${events.length} events are out of order`);
    assert.ok(maxInOrderLagMs <= 2_001, `out-of-order lag ${maxInOrderLagMs} ms exceeds --out-of-order 2s`);

    const errors = events.filter((e) => e.http_status >= 400).length / events.length;
    // 20k events 1 ms apart span 20 s of event time, the first 10 s of which are a burst:
    // there half the events are 503 and the rest error at 20 % (0.5 + 0.5 × 0.2 = 0.6);
    // outside, 0.2. Expected overall: 0.5 × 0.6 + 0.5 × 0.2 = 0.4.
    assert.ok(Math.abs(errors - 0.4) < 0.03, `error share ${errors}, expected 0.4 ± 0.03`);
    const phase = (e: { event_timestamp: number }) => (((Math.round(e.event_timestamp * 1000) - START_MS) % 60_000) + 60_000) % 60_000;
    const inBurst = events.filter((e) => phase(e) >= 2_000 && phase(e) < 10_000);
    const outside = events.filter((e) => phase(e) >= 14_000 && phase(e) < 58_000);
    const share503 = (list: typeof events) => list.filter((e) => e.http_status === 503).length / list.length;
    assert.ok(share503(inBurst) > 0.4, `503 share in bursts ${share503(inBurst)}, asked 0.5`);
    assert.ok(share503(outside) < 0.08, `503 share outside bursts ${share503(outside)}`);
  });

  test('the same seed gives the same bytes twice', async () => {
    const [a, b] = await Promise.all([runCli(['produce', '--dry-run', ...OPTIONS]), runCli(['produce', '--dry-run', ...OPTIONS])]);
    assert.equal(a.code, 0);
    assert.equal(a.stdout, b.stdout);
    assert.equal(a.stdout.split('\n').length - 1, COUNT);
    const other = await runCli(['produce', '--dry-run', ...OPTIONS.map((o) => (o === '11' ? '12' : o))]);
    assert.notEqual(other.stdout, a.stdout);
  });

  test('an unreachable broker ends the run with a clear message and a non-zero exit', async () => {
    const result = await runCli(['produce', '--brokers', '127.0.0.1:1', '--count', '10']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot reach Kafka at 127\.0\.0\.1:1/);
  });

  for (const [args, message] of [
    [['--rate', '-1'], /--rate.*number of events per second greater than 0/],
    [['--error-rate', '2'], /--error-rate.*fraction from 0 to 1/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--duration', '5x'], /"5x" is not a duration/],
    [['--burst', '503:2:10s'], /fraction 2 is not from 0 to 1/],
    [['--late', '0.1'], /not a late spec/],
  ] as const) {
    test(`produce ${args.join(' ')} says what is wrong and exits 2`, async () => {
      const result = await runCli(['produce', '--dry-run', '--count', '1', ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    });
  }
});
