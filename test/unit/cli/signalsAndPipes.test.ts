import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { CLI, runCli, tempDir } from './cliHarness.js';

const T0 = 1735689600;
const events = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => JSON.stringify({ user_id: 'u', url: `/p${i % 3}`, http_status: 200, event_timestamp: T0 + from + i }))
    .join('\n')
    .concat('\n');

/** Processes still running when a test gave up; killed afterwards, or the test file would never end. */
const running = new Set<ChildProcess>();

/** A running `clickflow` whose stdin stays open until the test ends it; resolves `waitFor` on output. */
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => ((stdout += chunk), wake()));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => ((stderr += chunk), wake()));
  child.stdin!.on('error', () => undefined);
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => (running.delete(child), wake(), resolve({ code, signal }))),
  );
  /** Resolves once `pattern` shows in stdout or stderr; fails if the process exits first. Generous bound, not a timing. */
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(stdout) && !pattern.test(stderr)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before ${pattern}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} after ${timeoutMs} ms: ${stderr}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 1_000).unref();
      });
    }
  };
  return { child, exited, waitFor, stdout: () => stdout, stderr: () => stderr };
}

describe('signals and pipes', { concurrency: 3, timeout: 180_000 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir('signals');
  });
  after(async () => {
    for (const child of running) child.kill('SIGKILL');
    await tmp.remove();
  });

  test('SIGTERM during start-up (modules still loading) stops the run cleanly: exit 0 and a summary', async () => {
    const run = start(['run', 'error-rates', '--from', '-', '--to', `file:${tmp.path('startup.lp')}`], { CLICKFLOW_LOG_LEVEL: 'debug' });
    // The earliest moment a clean stop can be promised: the handlers are in, the CLI is loading.
    await run.waitFor(/shutdown handlers installed/);
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr());
    assert.match(run.stderr(), /error-rates: 0 records in/);
    assert.doesNotMatch(run.stderr(), /error:|still open/);
  });

  test('SIGTERM while reading an input that is still open stops the run with exit 0 and the windows fired so far', async () => {
    const run = start(['run', 'error-rates', '--from', '-', '--to', 'stdout', '--window', '1s', '--max-out-of-orderness', '0s']);
    run.child.stdin!.write(events(0, 50));
    await run.waitFor(/^error_rates/m);
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr());
    assert.match(run.stderr(), /error-rates: 50 records in/);
    assert.doesNotMatch(run.stderr(), /still open/, 'nothing keeps the process alive after the run, stdin neither');
  });

  test('a second signal exits at once, without waiting for the first stop to finish', async () => {
    // An unreachable broker: connecting retries for seconds, and the first SIGTERM waits for it.
    const run = start(['run', 'error-rates', '--from', 'kafka', '--brokers', '127.0.0.1:1', '-q'], {
      CLICKFLOW_KAFKA_LOGS: '1',
      CLICKFLOW_LOG_LEVEL: 'info',
    });
    await run.waitFor(/kafkajs .*ECONNREFUSED/);
    run.child.kill('SIGTERM');
    // Two signals sent back to back may reach the process as one.
    await run.waitFor(/SIGTERM received, stopping; send it again to exit at once/);
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    assert.equal(code, 143, run.stderr());
    assert.match(run.stderr(), /second SIGTERM, exiting without flushing/);
  });

  test('produce, signalled while the CLI loads, still stops (its own handlers come later)', async () => {
    // Without --count it would run until stopped.
    const run = start(['produce', '--dry-run', '--rate', '10'], { CLICKFLOW_LOG_LEVEL: 'debug' });
    await run.waitFor(/shutdown handlers installed/);
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    // 143 when the signal beat produce's own handler, 0 when produce stopped on it.
    assert.ok(code === 143 || code === 0, `exit ${code}: ${run.stderr()}`);
  });

  test('an unreachable broker is named with what to start, and an existing --to file is left alone', async () => {
    const out = tmp.path('kept.lp');
    await writeFile(out, 'old\n');
    const run = start(['run', 'error-rates', '--from', 'kafka', '--brokers', '127.0.0.1:1', '--to', `file:${out}`, '-q']);
    run.child.stdin!.end();
    const { code } = await run.exited;
    assert.equal(code, 1, run.stderr());
    assert.equal(
      run.stderr(),
      'error: cannot reach Kafka at 127.0.0.1:1 (Connection error: connect ECONNREFUSED 127.0.0.1:1); start a broker ' +
        '(in a clickflow checkout, eval "$(npm run -s services:up)" starts one and exports KAFKA_BROKERS) or point --brokers / KAFKA_BROKERS at a running one\n',
    );
    assert.equal(await readFile(out, 'utf8'), 'old\n');
  });

  test('| head -1: when the reader of stdout goes away the run ends quietly, though its input is still open', async () => {
    const run = start(['run', 'error-rates', '--from', '-', '--to', 'stdout', '--window', '1s', '--max-out-of-orderness', '0s', '-q']);
    run.child.stdin!.write(events(0, 20));
    await run.waitFor(/\n/);
    run.child.stdout!.destroy();
    // More windows fire and are written into the closed pipe.
    run.child.stdin!.write(events(20, 5_000));
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr());
    assert.equal(run.stderr(), '');
  });

  test('a directory as stdin (< /tmp) is refused as one, not read as an empty input', async () => {
    const dir = openSync(tmp.path(''), 'r');
    try {
      const child = spawn(process.execPath, [CLI, 'run', 'error-rates', '--from', '-', '--to', 'none'], { env: { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn' }, stdio: [dir, 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 1, stderr);
      assert.match(stderr, /cannot read stdin \(EISDIR\); it is a directory; redirect a JSON-lines file into it/);
    } finally {
      closeSync(dir);
    }
  });

  test('2>&1 | head -5: the summary written into the closed pipe ends the run quietly too, exit 0', async () => {
    const input = tmp.path('pipe-both.jsonl');
    // The producer's events: their few points all fit in the pipe, so the summary is what meets the closed pipe.
    await writeFile(input, (await runCli(['produce', '--dry-run', '--seed', '1', '--count', '3000'])).stdout);
    // One pipe for stdout and stderr, its reader gone after five lines: the summary meets EPIPE on stderr.
    const child = spawn('bash', ['-c', `"${process.execPath}" "${CLI}" run error-rates --from "file:${input}" --to stdout --window 1s 2>&1 | head -5 > /dev/null; exit \${PIPESTATUS[0]}`], {
      env: { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
  });
});
