import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { InvalidReason } from '../../../src/events/InvalidRecord.js';
import { validateClickEvent } from '../../../src/events/validateClickEvent.js';
import { runCli, type CliResult } from '../cli/cliHarness.js';

// A seeded run starts its event clock at DEFAULTS.producer.seededStartTime and, without
// --rate, spaces events 1 ms apart (1000 events per second of event time).
const START_MS = Date.UTC(2025, 0, 1);

const lines = (r: CliResult) => r.stdout.replace(/\n$/, '').split('\n');

describe('produce --dry-run is reproducible', () => {
  test('same seed and options: byte-identical output', async () => {
    const args = ['produce', '--dry-run', '--seed', '7', '--count', '500'];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(lines(a).length, 500);
    assert.ok(a.stdout === b.stdout, 'the two runs differ');
    assert.match(a.stderr, /sent 500 events/);

    const other = await runCli(['produce', '--dry-run', '--seed', '8', '--count', '500']);
    assert.equal(other.code, 0, other.stderr);
    assert.notEqual(other.stdout, a.stdout);
  });

  test('seeded events follow the timeline: 1 ms apart from 2025-01-01T00:00:00Z, all valid', async () => {
    const r = await runCli(['produce', '--dry-run', '--seed', '7', '--count', '500']);
    lines(r).forEach((line, i) => {
      const e = JSON.parse(line) as Record<string, unknown>;
      assert.equal(validateClickEvent(e), null, line);
      assert.equal((e as { eventTimeMs: number }).eventTimeMs, START_MS + i, `line ${i}`);
    });
  });

  test('--start-time moves the timeline and --rate sets its spacing', async () => {
    const r = await runCli(['produce', '--dry-run', '--seed', '1', '--count', '1000', '--rate', '50000', '--start-time', '2030-06-01T12:00:00Z']);
    assert.equal(r.code, 0, r.stderr);
    const start = Date.UTC(2030, 5, 1, 12);
    lines(r).forEach((line, i) => {
      const ts = (JSON.parse(line) as { event_timestamp: number }).event_timestamp;
      // 50 000 events/s: event i at start + floor(i * 1000 / 50000) ms.
      assert.equal(Math.round(ts * 1000), start + Math.floor(i / 50), `line ${i}`);
    });
  });
});

describe('produce --dry-run proportions on 20 000 events', () => {
  const COUNT = 20_000;
  // Bursts: 5 s every 20 s of event time, i.e. events 0..4999 (event i is at START + i ms).
  const ARGS = [
    'produce', '--dry-run', '--seed', '3', '--count', String(COUNT), '--urls', '50',
    '--error-rate', '0.2', '--burst', '503:0.5:5s@20s', '--late', '0.05:60s', '--out-of-order', '2s', '--invalid', '0.02',
  ];
  let out: string[];
  let parsed: (Record<string, unknown> | undefined)[];
  let invalidIdx: Set<number>;

  /** The validity rules, restated independently of validateClickEvent. */
  const isValid = (e: Record<string, unknown> | undefined) =>
    e !== undefined &&
    typeof e.user_id === 'string' &&
    typeof e.url === 'string' &&
    typeof e.http_status === 'number' &&
    Number.isInteger(e.http_status) &&
    e.http_status >= 100 &&
    e.http_status <= 599 &&
    typeof e.event_timestamp === 'number';

  before(async () => {
    const r = await runCli(ARGS);
    assert.equal(r.code, 0, r.stderr);
    out = lines(r);
    parsed = out.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    });
    invalidIdx = new Set(parsed.flatMap((e, i) => (isValid(e) ? [] : [i])));
  });

  const share = (hits: number, total: number) => hits / total;
  const within = (observed: number, expected: number, tolerance: number, what: string) =>
    assert.ok(Math.abs(observed - expected) <= tolerance, `${what}: ${observed.toFixed(4)}, expected ${expected} ± ${tolerance}`);

  test('exactly --count lines', () => {
    assert.equal(out.length, COUNT);
  });

  test('--invalid 0.02: 2 % ± 0.5 % malformed, the five kinds in turn, each with its dead-letter reason', () => {
    within(share(invalidIdx.size, COUNT), 0.02, 0.005, 'invalid share');
    const kinds = new Map<InvalidReason, number>();
    for (const i of invalidIdx) {
      const e = parsed[i];
      let kind: InvalidReason;
      if (e === undefined) kind = 'not_json';
      else if (e.url === undefined) kind = 'missing_field';
      else if (typeof e.http_status === 'string') kind = 'wrong_type';
      else if (e.http_status === 700) kind = 'status_out_of_range';
      else if (e.event_timestamp === 'yesterday') kind = 'bad_timestamp';
      else assert.fail(`unexpected malformed record: ${out[i]}`);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      if (e !== undefined) assert.equal(validateClickEvent(e)?.reason, kind, out[i]);
    }
    assert.equal(kinds.size, 5, `kinds seen: ${[...kinds.keys()]}`);
    const counts = [...kinds.values()];
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `kinds cycle evenly: ${JSON.stringify([...kinds])}`);
    for (const [i, e] of parsed.entries()) if (!invalidIdx.has(i)) assert.equal(validateClickEvent(e), null, out[i]);
  });

  const statusOf = (i: number) => parsed[i]!.http_status as number;
  const validIn = (from: number, to: number) => [...Array(to - from).keys()].map((k) => k + from).filter((i) => !invalidIdx.has(i));

  test('--error-rate 0.2: outside bursts 20 % ± 1.5 % errors, 70 % ± 4 % of them 4xx', () => {
    const normal = validIn(5000, COUNT);
    const errors = normal.filter((i) => statusOf(i) >= 400);
    within(share(errors.length, normal.length), 0.2, 0.015, 'error share outside bursts');
    within(share(errors.filter((i) => statusOf(i) < 500).length, errors.length), 0.7, 0.04, '4xx share of errors');
    // Without the burst, 503 is 2 of 6 server errors: 0.2 × 0.3 × 2/6 = 2 %.
    within(share(normal.filter((i) => statusOf(i) === 503).length, normal.length), 0.02, 0.006, '503 share outside bursts');
  });

  test('--burst 503:0.5:5s@20s: half the events in the burst are 503', () => {
    const burst = validIn(0, 5000);
    // 0.5 from the burst, plus 0.5 × 0.02 from the ordinary error mix.
    within(share(burst.filter((i) => statusOf(i) === 503).length, burst.length), 0.51, 0.03, '503 share in bursts');
    within(share(burst.filter((i) => statusOf(i) >= 400).length, burst.length), 0.5 + 0.5 * 0.2, 0.03, 'error share in bursts');
  });

  /** How far each timed record is behind its place on the timeline, in ms. */
  const delays = () =>
    parsed.flatMap((e, i) => (e !== undefined && typeof e.event_timestamp === 'number' ? [START_MS + i - Math.round(e.event_timestamp * 1000)] : []));

  test('--late 0.05:60s: 5 % ± 0.6 % of events are 30–62 s behind (half to all of 60 s, plus the skew)', () => {
    const d = delays();
    const late = d.filter((x) => x > 2000);
    within(share(late.length, d.length), 0.05, 0.006, 'late share');
    for (const x of late) assert.ok(x >= 30_000 && x <= 62_000, `late delay ${x}`);
  });

  test('--out-of-order 2s: the others are 0–2 s behind, uniformly', () => {
    const onTime = delays().filter((x) => x <= 2000);
    assert.ok(Math.min(...onTime) >= 0, 'never ahead of the timeline');
    within(onTime.reduce((a, b) => a + b, 0) / onTime.length, 1000, 50, 'mean skew (ms)');
    assert.ok(onTime.some((x) => x < 100) && onTime.some((x) => x > 1900), 'the whole range is used');
    let descents = 0;
    for (let i = 1; i < onTime.length; i++) if (onTime[i]! > onTime[i - 1]! + 1) descents++;
    assert.ok(descents > onTime.length / 4, 'event times go back and forth');
  });

  test('--urls 50: Zipf popularity, the hottest URL has about 26 % of events', () => {
    const counts = new Map<string, number>();
    let total = 0;
    for (const [i, e] of parsed.entries()) {
      if (invalidIdx.has(i)) continue;
      counts.set(e!.url as string, (counts.get(e!.url as string) ?? 0) + 1);
      total++;
    }
    assert.ok(counts.size <= 50 && counts.size >= 40, `distinct URLs ${counts.size}`);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    // p(rank 0) = 1 / Σ_{k=1..50} k^-1.1 ≈ 0.261
    let h = 0;
    for (let k = 1; k <= 50; k++) h += Math.pow(k, -1.1);
    within(sorted[0]! / total, 1 / h, 0.015, 'hottest URL share');
    assert.ok(sorted[0]! > 5 * sorted[9]!, 'the 1st URL is far hotter than the 10th');
  });
});
