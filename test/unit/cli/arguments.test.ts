import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test, type TestContext } from 'node:test';
import { CommanderError, InvalidArgumentError } from 'commander';
import { durationArgument } from '../../../src/cli/durationArgument.js';
import { timerDurationArgument } from '../../../src/cli/timerDurationArgument.js';
import {
  parseDeadLetterEndpoint,
  parseRecordOutput,
  parseSideOutput,
  parseSinkEndpoint,
  parseSourceEndpoint,
} from '../../../src/cli/Endpoint.js';
import { formatSummary } from '../../../src/cli/formatSummary.js';
import { parseRunArgs } from '../../../src/cli/parseRunArgs.js';
import { generatorSource } from '../../../src/connectors/memory/generatorSourceConnector.js';
import { EXIT_FAILURE, EXIT_USAGE, handleError } from '../../../src/cli/handleError.js';
import { fractionArgument, integerArgument } from '../../../src/cli/numberArgument.js';
import { runRun, type RunOptions } from '../../../src/cli/commands/runCommand.js';
import { ClickflowError } from '../../../src/errors/ClickflowError.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { JobMetrics } from '../../../src/runtime/JobMetrics.js';
import { tempDir } from './cliHarness.js';

const rejects = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidArgumentError, String(error));
    assert.match(error.message, pattern);
    return true;
  });

describe('Endpoint parsing', () => {
  test('sources: kafka, file:PATH, - (stdin)', () => {
    assert.deepEqual(parseSourceEndpoint('kafka'), { kind: 'kafka' });
    assert.deepEqual(parseSourceEndpoint('-'), { kind: 'stdin' });
    assert.deepEqual(parseSourceEndpoint('file:events.jsonl'), { kind: 'file', path: 'events.jsonl' });
    assert.deepEqual(parseSourceEndpoint('file:/a/b:c.jsonl'), { kind: 'file', path: '/a/b:c.jsonl' });
  });

  test('sinks: influx, stdout (or -), file:PATH', () => {
    assert.deepEqual(parseSinkEndpoint('influx'), { kind: 'influx' });
    assert.deepEqual(parseSinkEndpoint('stdout'), { kind: 'stdout' });
    assert.deepEqual(parseSinkEndpoint('-'), { kind: 'stdout' });
    assert.deepEqual(parseSinkEndpoint('file:out.lp'), { kind: 'file', path: 'out.lp' });
  });

  test('the generator (with a rate, or the default) and the none sink', () => {
    assert.deepEqual(parseSourceEndpoint('generator'), { kind: 'generator' });
    assert.deepEqual(parseSourceEndpoint('generator:500'), { kind: 'generator', ratePerSecond: 500 });
    assert.deepEqual(parseSourceEndpoint('generator:0.5'), { kind: 'generator', ratePerSecond: 0.5 });
    assert.deepEqual(parseSinkEndpoint('none'), { kind: 'none' });
    rejects(() => parseSourceEndpoint('generator:fast'), /"fast" is not a rate; write events per second from 0.001 to 100000, e.g. generator:500/);
    rejects(() => parseSourceEndpoint('generator:1e9'), /1e9 is more than the generator makes beside its job; give at most 100000/);
    rejects(() => parseSourceEndpoint('generator:0'), /not a rate/);
    rejects(() => parseSourceEndpoint('generator:'), /not a rate/);
    assert.throws(() => generatorSource({ ratePerSecond: 200_000 }), /--from: generator:200000 is more than the generator makes beside its job \(100000 events\/s\)/);
  });

  test('dead letters: file:PATH or kafka:TOPIC; late output: file:PATH', () => {
    assert.deepEqual(parseDeadLetterEndpoint('kafka:clicks.dlq'), { kind: 'kafka', topic: 'clicks.dlq' });
    assert.deepEqual(parseDeadLetterEndpoint('file:dead.jsonl'), { kind: 'file', path: 'dead.jsonl' });
    assert.deepEqual(parseSideOutput('file:late.jsonl'), { kind: 'file', path: 'late.jsonl' });
  });

  test('unknown schemes say what is accepted', () => {
    rejects(() => parseSourceEndpoint('http://x'), /"http:\/\/x".*kafka.*file:PATH.*stdin/);
    rejects(() => parseSourceEndpoint('stdout'), /not a source/);
    rejects(() => parseSourceEndpoint('events.jsonl'), /file:PATH/);
    rejects(() => parseSinkEndpoint('kafka'), /not a sink.*influx.*stdout.*file:PATH/);
    rejects(() => parseDeadLetterEndpoint('kafka:'), /file:PATH.*kafka:TOPIC/);
    rejects(() => parseDeadLetterEndpoint('stdout'), /not a dead-letter output/);
    rejects(() => parseSideOutput('stdout'), /file:PATH/);
  });

  test('file: needs a path', () => {
    for (const parse of [parseSourceEndpoint, parseSinkEndpoint, parseDeadLetterEndpoint, parseSideOutput]) {
      rejects(() => parse('file:'), /needs a path/);
    }
  });

  test('file:- is refused with the names of the standard streams: as - it would pass the check that one stream holds one output', () => {
    for (const parse of [parseSourceEndpoint, parseSinkEndpoint, parseDeadLetterEndpoint, parseSideOutput, (text: string) => parseRecordOutput(`sessions=${text}`)]) {
      rejects(() => parse('file:-'), /file:- names no file; use - \(--from\) or stdout .* file:\.\/- for a file named -/);
    }
    assert.deepEqual(parseSinkEndpoint('file:./-'), { kind: 'file', path: './-' });
  });
});

describe('parseRunArgs (a job manager\'s submissions)', () => {
  test('--help among the flags is refused with where to read the options, not commander\'s "(outputHelp)"', () => {
    assert.throws(() => parseRunArgs(['error-rates', '--from', 'generator', '--help']), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'run options: --help shows nothing to a job manager; run clickflow run --help to read the options');
      return true;
    });
  });
});

describe('durationArgument', () => {
  test('returns milliseconds', () => {
    assert.equal(durationArgument('500ms'), 500);
    assert.equal(durationArgument('10s'), 10_000);
    assert.equal(durationArgument('5m'), 300_000);
    assert.equal(durationArgument('1h'), 3_600_000);
  });

  test('a bad duration is an InvalidArgumentError with examples (commander exits 2 on it)', () => {
    rejects(() => durationArgument('10x'), /"10x".*500ms, 10s, 5m, 1h/);
    rejects(() => durationArgument('10'), /"10"/);
  });

  test('a timer\'s duration stops at what setTimeout keeps, since a longer one would fire at once', () => {
    assert.equal(timerDurationArgument('24d'), 24 * 86_400_000);
    rejects(() => timerDurationArgument('30d'), /"30d" is longer than a timer can wait; give at most 24d/);
    rejects(() => timerDurationArgument('10x'), /"10x" is not a duration/);
  });
});

describe('number arguments', () => {
  test('integerArgument accepts whole numbers at or above the minimum', () => {
    assert.equal(integerArgument(0)('0'), 0);
    assert.equal(integerArgument(1)('20000'), 20_000);
    rejects(() => integerArgument(1)('0'), /"0".*at least 1/);
    rejects(() => integerArgument(0)('-3'), /"-3"/);
    rejects(() => integerArgument(0)('1.5'), /whole number/);
    rejects(() => integerArgument(0)('ten'), /"ten"/);
  });

  test(
    'integerArgument refuses an empty or blank value',
    () => {
      rejects(() => integerArgument(0)(''), /whole number/);
      rejects(() => integerArgument(0)('  '), /whole number/);
    },
  );

  test('fractionArgument accepts 0..1 inclusive', () => {
    assert.equal(fractionArgument('0'), 0);
    assert.equal(fractionArgument('0.05'), 0.05);
    assert.equal(fractionArgument('1'), 1);
    for (const bad of ['2', '-0.1', '1.0001', '', ' ', 'half', 'NaN']) rejects(() => fractionArgument(bad), /from 0 to 1/);
  });
});

describe('handleError', () => {
  function capture(t: TestContext, error: unknown): { stderr: string; exitCode: number | string | undefined } {
    const saved = process.exitCode;
    let stderr = '';
    t.mock.method(process.stderr, 'write', (chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      handleError(error);
      return { stderr, exitCode: process.exitCode };
    } finally {
      process.exitCode = saved;
      t.mock.restoreAll();
    }
  }

  test('a ConfigError is a usage error: exit 2, one line, no stack', (t) => {
    const { stderr, exitCode } = capture(t, new ConfigError('--window', '"10x" is not a duration'));
    assert.equal(exitCode, EXIT_USAGE);
    assert.equal(EXIT_USAGE, 2);
    assert.equal(stderr, 'error: --window: "10x" is not a duration\n');
  });

  test('a ClickflowError is a failure: exit 1, message without stack', (t) => {
    const { stderr, exitCode } = capture(t, new ClickflowError('cannot read x.jsonl (ENOENT)'));
    assert.equal(exitCode, EXIT_FAILURE);
    assert.equal(EXIT_FAILURE, 1);
    assert.equal(stderr, 'error: cannot read x.jsonl (ENOENT)\n');
  });

  test('an unexpected error is a failure with its stack, for a bug report', (t) => {
    const error = new TypeError('boom');
    const { stderr, exitCode } = capture(t, error);
    assert.equal(exitCode, 1);
    assert.ok(stderr.includes('boom'));
    assert.ok(stderr.includes(error.stack!.split('\n')[1]!.trim()), 'includes a stack frame');
  });

  test('a CommanderError (already printed) exits 2, or 0 for --help/--version', (t) => {
    assert.deepEqual(capture(t, new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'")), { stderr: '', exitCode: 2 });
    assert.deepEqual(capture(t, new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)')), { stderr: '', exitCode: 0 });
  });
});

describe('formatSummary', () => {
  test('lists invalid records by reason, only the reasons seen', () => {
    const m = new JobMetrics();
    m.recordsIn = 1000;
    m.invalidByReason.not_json = 3;
    m.invalidByReason.bad_timestamp = 2;
    m.lateRecords = 4;
    m.windowsFired = 6;
    m.pointsOut = 60;
    const text = formatSummary('error-rates', m, 2000);
    assert.equal(text, 'error-rates: 1000 records in 2.00s (500/s), 5 invalid (3 not_json, 2 bad_timestamp), 4 late, 6 window firings, 60 points out');
  });

  test('no parenthesis when nothing was invalid', () => {
    const text = formatSummary('j', new JobMetrics(), 0);
    assert.match(text, /0 invalid, 0 late/);
  });
});

describe('runRun (in process)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const T0 = 1735689600;
  before(async () => {
    tmp = await tempDir('runrun');
    const lines = [
      { url: '/a', http_status: 200, event_timestamp: T0 + 1 },
      { url: '/a', http_status: 502, event_timestamp: T0 + 2 },
      { url: '/b', http_status: 200, event_timestamp: T0 + 3 },
      { url: '/b', http_status: 1000, event_timestamp: T0 + 4 },
      { url: '/a', http_status: 200, event_timestamp: T0 + 61 },
    ].map((e) => JSON.stringify({ user_id: 'u', ...e }));
    await writeFile(tmp.path('in.jsonl'), `${lines.join('\n')}\n`);
  });
  after(() => tmp.remove());

  const options = (overrides: Partial<RunOptions> = {}): RunOptions => ({
    job: 'error-rates',
    from: { kind: 'file', path: tmp.path('in.jsonl') },
    to: { kind: 'file', path: tmp.path('out.lp') },
    windowMs: 60_000,
    maxOutOfOrdernessMs: 5_000,
    allowedLatenessMs: 0,
    quiet: true,
    ...overrides,
  });

  test('runs a file to a file and resolves with the metrics', async () => {
    const metrics = await runRun(options());
    assert.equal(metrics.recordsIn, 5);
    assert.equal(metrics.invalidRecords, 1);
    assert.equal(metrics.invalidByReason.status_out_of_range, 1);
    assert.equal(metrics.windowsFired, 2);
    const text = await readFile(tmp.path('out.lp'), 'utf8');
    const rates = text.split('\n').filter((l) => l.startsWith('error_rates'));
    // One-minute windows: [T0, T0+60) holds 3 valid events (one 502), [T0+60, T0+120) one.
    assert.deepEqual(rates, [
      `error_rates,partition=0 total=3i,errors=1i,client_errors=0i,server_errors=1i,rate=${1 / 3} ${T0}000000000`,
      `error_rates,partition=0 total=1i,errors=0i,client_errors=0i,server_errors=0i,rate=0 ${T0 + 60}000000000`,
    ]);
    assert.equal(metrics.pointsOut, text.trimEnd().split('\n').length);
  });

  test('hopping windows with --slide put an event in window/slide windows', async () => {
    const metrics = await runRun(options({ windowMs: 20_000, slideMs: 10_000, to: { kind: 'file', path: tmp.path('hop.lp') } }));
    const rates = (await readFile(tmp.path('hop.lp'), 'utf8')).split('\n').filter((l) => l.startsWith('error_rates'));
    // Events at +1,+2,+3 fall in [-10,10) and [0,20); the one at +61 in [50,70) and [60,80).
    assert.deepEqual(rates.map((l) => l.split(' ').at(-1)), [T0 - 10, T0, T0 + 50, T0 + 60].map((s) => `${s}000000000`));
    assert.equal(metrics.windowsFired, 4);
  });

  test('refuses a slide longer than the window, --bounded on a file and an unknown job', async () => {
    await assert.rejects(runRun(options({ slideMs: 120_000 })), (e: unknown) => e instanceof ConfigError && e.option === '--slide');
    await assert.rejects(runRun(options({ bounded: true })), (e: unknown) => e instanceof ConfigError && e.option === '--bounded');
    await assert.rejects(runRun(options({ job: 'nope' })), (e: unknown) => e instanceof ConfigError && /error-rates/.test(e.message));
  });
});
