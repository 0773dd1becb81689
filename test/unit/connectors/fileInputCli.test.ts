import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { CLI, runCli, tempDir } from '../cli/cliHarness.js';

// 2025-01-01T00:00:00Z in epoch seconds; windows of 10 s start on it.
const T0 = 1735689600;
const ev = (url: string, ts: number | string) => JSON.stringify({ user_id: 'u1', url, http_status: 200, event_timestamp: ts });
/** Two events: the second (20 s later) fires the first one's window, so a point is written at once. */
const FIRST_WINDOW = `${ev('/a', T0)}\n${ev('/a', T0 + 20)}\n`;

let tmp: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  tmp = await tempDir('file-input');
});
after(() => tmp.remove());

describe('clickflow run over awkward file input', () => {
  test('BOM, times in ms or beyond 2262, bytes that are not UTF-8, blank lines: each counted and routed, the job unharmed', async () => {
    const input = tmp.path('awkward.jsonl');
    const dead = tmp.path('dead.jsonl');
    const late = tmp.path('late.jsonl');
    const [before, after] = ev('/caf@', T0 + 2).split('@');
    const latin1 = Buffer.concat([Buffer.from(before!), Buffer.from([0xe9]), Buffer.from(after!)]);
    const lines: (string | Buffer)[] = [
      /* 1 */ `\uFEFF${ev('/a', T0)}`, // the file starts with a byte-order mark
      /* 2 */ ev('/a', 1755720002000), // milliseconds
      /* 3 */ ev('/a', 9_000_000_000_000), // beyond Date and InfluxDB
      /* 4 */ '   ',
      /* 5 */ ev('/b', T0 + 1),
      /* 6 */ latin1,
      /* 7 */ ev('/a', T0 + 3),
      /* 8 */ '\t',
      /* 9 */ ev('/a', T0 + 4), // no newline after the last line
    ];
    // \r\n and \n endings mixed.
    await writeFile(input, Buffer.concat(lines.flatMap((line, i) => [Buffer.from(line), Buffer.from(i === lines.length - 1 ? '' : i % 2 ? '\r\n' : '\n')])));
    const result = await runCli([
      'run', 'error-rates', '--from', `file:${input}`, '--to', 'stdout', '--dead-letter', `file:${dead}`, '--late-output', `file:${late}`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /RangeError|Invalid time value/);
    // Every point is in the first window: nothing moved the watermark, nothing was late.
    const points = result.stdout.trimEnd().split('\n');
    assert.ok(points.length > 0);
    for (const point of points) assert.match(point, new RegExp(` ${T0}000000000$`), point);
    assert.match(result.stdout, / total=4i,/);
    assert.equal(await readFile(late, 'utf8'), '');
    assert.match(result.stderr, /2 bad_timestamp/);
    assert.match(result.stderr, /1 bad_encoding/);
    assert.doesNotMatch(result.stderr, /not_json/);

    const letters = (await readFile(dead, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      letters.map((l) => [l.position, l.reason]),
      [
        [2, 'bad_timestamp'],
        [3, 'bad_timestamp'],
        [6, 'bad_encoding'],
      ],
    );
    assert.match(letters[0]!.detail as string, /looks like milliseconds/);
    assert.deepEqual(Buffer.from(letters[2]!.raw_base64 as string, 'base64'), latin1, 'the original bytes');
    assert.equal('raw' in letters[2]!, false);
  });
});

/** A running `clickflow run`, its stdin a pipe the test holds open. */
function startCli(args: readonly string[]): { child: ChildProcess; stdout: () => string; stderr: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn' };
  for (const name of ['KAFKA_BROKERS', 'INFLUX_URL', 'INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_TOKEN']) delete env[name];
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** Polls `ready` every 50 ms until it holds; fails after `ms` with `what`. */
async function waitFor(ready: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

/** Sends SIGINT and resolves with the exit code and how long the exit took. */
async function interrupt(child: ChildProcess): Promise<{ code: number | null; ms: number }> {
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const sentMs = Date.now();
  child.kill('SIGINT');
  // Generous: the exit takes milliseconds; the bug it guards against held the process 10 s or forever.
  const outcome = await Promise.race([exited, delay(5_000).then(() => 'timeout' as const)]);
  if (outcome === 'timeout') return { code: null, ms: Infinity };
  return { code: outcome[0], ms: Date.now() - sentMs };
}

/** True once process `pid` has `path` open (Linux /proc). */
function hasOpen(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

const noFifo = process.platform === 'win32' ? 'no FIFOs on Windows' : false;

describe('clickflow run stops at once on SIGINT while reading a pipe', () => {
  test('stdin kept open by its writer: exits 0 within 5 s', async () => {
    const run = startCli(['run', 'error-rates', '--from', '-', '--to', 'stdout']);
    try {
      run.child.stdin!.write(FIRST_WINDOW);
      await waitFor(() => run.stdout().includes('\n'), 'the first point');
      const { code, ms } = await interrupt(run.child);
      assert.ok(ms < 5_000, `exited ${ms} ms after SIGINT`);
      assert.equal(code, 0, run.stderr());
      assert.equal(run.child.stdin!.writableEnded, false, 'the test still held stdin open');
      assert.doesNotMatch(run.stderr(), /connections still open/);
      assert.match(run.stderr(), /2 records in/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  test('a FIFO whose writer keeps it open: exits 0 within 5 s', { skip: noFifo }, async () => {
    const fifo = tmp.path('open-writer.fifo');
    execFileSync('mkfifo', [fifo]);
    const run = startCli(['run', 'error-rates', '--from', `file:${fifo}`, '--to', 'stdout']);
    // Resolves once the CLI has opened the FIFO for reading.
    const writer = await open(fifo, 'w');
    try {
      await writer.write(FIRST_WINDOW);
      await waitFor(() => run.stdout().includes('\n'), 'the first point');
      const { code, ms } = await interrupt(run.child);
      assert.ok(ms < 5_000, `exited ${ms} ms after SIGINT`);
      assert.equal(code, 0, run.stderr());
    } finally {
      run.child.kill('SIGKILL');
      await writer.close();
    }
  });

  test('a FIFO no writer has opened yet: opens without waiting, exits 0 within 5 s', { skip: noFifo || (!existsSync('/proc/self/fd') && 'needs /proc') }, async () => {
    const fifo = tmp.path('no-writer.fifo');
    execFileSync('mkfifo', [fifo]);
    const run = startCli(['run', 'error-rates', '--from', `file:${fifo}`, '--to', 'stdout']);
    try {
      // Ready once the CLI holds the FIFO open, which a blocking open would never get to.
      await waitFor(() => hasOpen(run.child.pid!, realpathSync(fifo)), 'the CLI to open the FIFO');
      const { code, ms } = await interrupt(run.child);
      assert.ok(ms < 5_000, `exited ${ms} ms after SIGINT`);
      assert.equal(code, 0, run.stderr());
      assert.match(run.stderr(), /0 records in/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
