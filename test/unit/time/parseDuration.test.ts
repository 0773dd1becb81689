import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { formatDuration, parseDuration } from '../../../src/time/parseDuration.js';

describe('parseDuration', () => {
  test('reads the documented units', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10 * 1000);
    assert.equal(parseDuration('5m'), 5 * 60 * 1000);
    assert.equal(parseDuration('1h'), 60 * 60 * 1000);
    assert.equal(parseDuration('2d'), 2 * 24 * 60 * 60 * 1000);
  });

  test('takes fractions, zero and surrounding spaces', () => {
    assert.equal(parseDuration('1.5m'), 90_000);
    assert.equal(parseDuration('0.25s'), 250);
    assert.equal(parseDuration('0s'), 0);
    assert.equal(parseDuration('  10s '), 10_000);
    assert.equal(parseDuration('10 s'), 10_000);
  });

  test('fractions of a unit that make whole milliseconds are taken; a fraction of a millisecond is refused with the nearest whole one', () => {
    assert.equal(parseDuration('1.1s'), 1_100);
    assert.equal(parseDuration('0.001s'), 1);
    assert.equal(parseDuration('1.5m'), 90_000);
    assert.equal(parseDuration('2d'), 172_800_000);
    assert.equal(parseDuration('1.0000000s'), 1_000);
    for (const [text, nearest] of [['1.4ms', '1ms'], ['1.6ms', '2ms'], ['0.0016s', '2ms'], ['0.4ms', '1ms'], ['1000000.5ms', '1000001ms'], ['1.0000001h', '1h'], ['1.0000001s', '1s']]) {
      assert.throws(() => parseDuration(text!, '--gap'), (error: unknown) => error instanceof ConfigError && error.message === `--gap: "${text}" is not whole milliseconds; durations count whole milliseconds, e.g. ${nearest}`);
    }
  });

  for (const bad of ['10', '10x', '', 's', 'ten s', '-5s', '1h30m', '.5s', '5 minutes', '10S', '1e3ms', '10s10s']) {
    test(`refuses ${JSON.stringify(bad)} with a ConfigError that says how to write one`, () => {
      assert.throws(
        () => parseDuration(bad, '--window'),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, String(error));
          assert.equal(error.option, '--window');
          assert.equal(error.retriable, false);
          assert.ok(error.message.startsWith('--window: '), error.message);
          assert.ok(error.message.includes(`"${bad}"`), `names the value: ${error.message}`);
          for (const example of ['500ms', '10s', '5m', '1h']) assert.ok(error.message.includes(example), error.message);
          return true;
        },
      );
    });
  }

  test('names a default option when none is given', () => {
    assert.throws(() => parseDuration('soon'), (error: unknown) => error instanceof ConfigError && error.option === 'duration');
  });

  test('refuses a duration too long to be a safe integer of ms', () => {
    // 10^17 days is about 8.6e24 ms, far beyond 2^53.
    assert.throws(() => parseDuration('100000000000000000d', '--slide'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^--slide: .*too long/);
      return true;
    });
  });
});

describe('formatDuration', () => {
  test('writes the largest unit that divides exactly', () => {
    assert.equal(formatDuration(10_000), '10s');
    assert.equal(formatDuration(300_000), '5m');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(3_600_000), '1h');
    assert.equal(formatDuration(86_400_000), '1d');
    assert.equal(formatDuration(1_500), '1500ms');
    assert.equal(formatDuration(0), '0ms');
  });

  test('is read back by parseDuration to the same value', () => {
    for (const ms of [0, 1, 999, 1000, 61_000, 5 * 60_000, 7_200_000, 3 * 86_400_000, 86_400_001]) {
      assert.equal(parseDuration(formatDuration(ms)), ms, formatDuration(ms));
    }
  });
});
