import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { parseRate } from '../../../src/producer/checkRate.js';
import { parseSeed } from '../../../src/producer/checkSeed.js';
import { parseStartTime } from '../../../src/producer/parseStartTime.js';
import { runCli } from '../cli/cliHarness.js';
import { startCli } from './startCli.js';

const refuses = (parse: (text: string) => number, option: string, text: string, pattern: RegExp) =>
  assert.throws(
    () => parse(text),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `${JSON.stringify(text)}: ${String(error)}`);
      assert.equal(error.option, option);
      assert.match(error.message, pattern, JSON.stringify(text));
      return true;
    },
    `${JSON.stringify(text)} was accepted`,
  );

describe('--start-time', () => {
  const noon = Date.UTC(2030, 5, 1, 12);

  test('strict ISO-8601: an offset or Z is honoured, a time without one is UTC, a date alone is midnight UTC', () => {
    assert.equal(parseStartTime('2030-06-01T12:00:00Z'), noon);
    assert.equal(parseStartTime('2030-06-01T12:00:00.250Z'), noon + 250);
    assert.equal(parseStartTime('2030-06-01T14:00:00+02:00'), noon);
    assert.equal(parseStartTime('2030-06-01T07:30:00-0430'), noon);
    assert.equal(parseStartTime('2030-06-01T12:00:00'), noon);
    assert.equal(parseStartTime('2030-06-01T12:00'), noon);
    assert.equal(parseStartTime('2030-06-01'), Date.UTC(2030, 5, 1));
  });

  test('anything else, and dates that do not exist, are refused with an example', () => {
    for (const text of ['1', '2025', '2025-02-30', '2025-02-30T00:00:00Z', '2025-13-01', '2025-01-01T25:00:00Z', 'March 7, 2025', 'now', '']) {
      refuses(parseStartTime, '--start-time', text, /not an ISO-8601 date-time.*2025-01-01T00:00:00Z/);
    }
  });

  test('a time no job accepts (before 1990, from 2100) is refused with the range, since every event would be dead-lettered', () => {
    for (const text of ['1800-01-01T00:00:00Z', '1989-12-31T23:59:59Z', '2100-01-01T00:00:00Z', '9999-01-01']) {
      refuses(parseStartTime, '--start-time', text, /outside the event times jobs accept, 1990-01-01T00:00:00.000Z up to before 2100-01-01T00:00:00.000Z/);
    }
    assert.equal(parseStartTime('1990-01-01T00:00:00Z'), Date.UTC(1990, 0, 1));
  });

  test('a seeded run gives the same bytes in every time zone', async () => {
    const args = ['produce', '--dry-run', '--seed', '1', '--count', '5', '--start-time', '2030-06-01T12:00:00'];
    const runs = await Promise.all(['UTC', 'America/New_York', 'Asia/Kolkata'].map((TZ) => startCli(args, { env: { TZ } }).exited));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const first = JSON.parse(runs[0]!.stdout.split('\n')[0]!) as { event_timestamp: number };
    assert.equal(first.event_timestamp * 1000, noon);
    assert.equal(runs[1]!.stdout, runs[0]!.stdout, 'America/New_York differs from UTC');
    assert.equal(runs[2]!.stdout, runs[0]!.stdout, 'Asia/Kolkata differs from UTC');
  });

  test('the CLI refuses an impossible date: exit 2, with an example', async () => {
    const r = await runCli(['produce', '--dry-run', '--count', '1', '--start-time', '2025-02-30']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--start-time.*"2025-02-30".*2025-01-01T00:00:00Z/);
    assert.equal(r.stdout, '');
  });
});

describe('--seed', () => {
  test('a whole number from 0 to 2^53 − 1, in decimal digits', () => {
    assert.equal(parseSeed('0'), 0);
    assert.equal(parseSeed('7'), 7);
    assert.equal(parseSeed('4294967297'), 2 ** 32 + 1);
    assert.equal(parseSeed('9007199254740991'), Number.MAX_SAFE_INTEGER);
    for (const text of ['9007199254740992', '99999999999999999999', '-1', '1e3', '0x10', '7.0', '1.5', ' 7', '']) {
      refuses(parseSeed, '--seed', text, /0 to 9007199254740991/);
    }
  });

  test('seeds that differ only above bit 32 give different events', async () => {
    const [low, high] = await Promise.all(
      ['1', '4294967297'].map((seed) => runCli(['produce', '--dry-run', '--seed', seed, '--count', '20'])),
    );
    assert.equal(low!.code, 0, low!.stderr);
    assert.equal(high!.code, 0, high!.stderr);
    assert.notEqual(high!.stdout, low!.stdout);
  });

  test('a seed below 2^32 gives the events it gave before seeds used all their bits', async () => {
    // sha256 of the output of the generator as it was before (commit 66d0fa0).
    const before: Record<string, string> = {
      '7': '1882d4b0c9c76ebc012aa7fb394cbd808ef87bc5f8e7ab8a69967ae94c9df311',
      '4294967295': 'ac86388518941f63d91fbb9f7a603182955bbb5611cb931406202a94ab56edc0',
    };
    const options = ['--count', '3000', '--invalid', '0.05', '--late', '0.1:1m', '--out-of-order', '1s', '--burst', '503:0.5:1s@3s'];
    await Promise.all(
      Object.entries(before).map(async ([seed, sha256]) => {
        const r = await runCli(['produce', '--dry-run', '--seed', seed, ...options]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(createHash('sha256').update(r.stdout).digest('hex'), sha256, `--seed ${seed}`);
      }),
    );
  });

  test('the CLI refuses a seed beyond 2^53 − 1: exit 2, with the range', async () => {
    const r = await runCli(['produce', '--dry-run', '--count', '1', '--seed', '9007199254740993']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--seed.*0 to 9007199254740991/);
  });
});

describe('--rate', () => {
  test('a plain decimal number of events per second from 0.001 to 10 000 000', () => {
    assert.equal(parseRate('5'), 5);
    assert.equal(parseRate('0.5'), 0.5);
    assert.equal(parseRate('.5'), 0.5);
    assert.equal(parseRate('2e3'), 2000);
    assert.equal(parseRate('0.001'), 0.001);
    assert.equal(parseRate('10000000'), 10_000_000);
    for (const text of ['1e-9', '0.0009', '0', '-1', '20000000', '0x10', 'Infinity', 'NaN', '5/s', ' 5', '']) {
      refuses(parseRate, '--rate', text, /0\.001.*10000000/);
    }
  });
});

describe('sizes that would block for minutes are refused', () => {
  test('--urls and --users above 1 000 000, --batch-size above 100 000: exit 2, with the range', async () => {
    const cases: [string, string, RegExp][] = [
      ['--urls', '1000001', /--urls.*"1000001".*from 1 to 1000000/],
      ['--users', '50000000', /--users.*"50000000".*from 1 to 1000000/],
      ['--batch-size', '100000000', /--batch-size.*"100000000".*from 1 to 100000/],
    ];
    await Promise.all(
      cases.map(async ([flag, value, pattern]) => {
        const r = await runCli(['produce', '--dry-run', '--count', '1', flag, value]);
        assert.equal(r.code, 2, `${flag} ${value}: ${r.stderr}`);
        assert.match(r.stderr, pattern);
        assert.equal(r.stdout, '');
      }),
    );
  });
});
