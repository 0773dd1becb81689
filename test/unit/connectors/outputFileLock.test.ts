import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { fileSink } from '../../../src/connectors/file/fileSinkConnector.js';
import { OutputFileLock, OutputFileLockedError } from '../../../src/connectors/file/OutputFileLock.js';
import { BackpressureGate } from '../../../src/runtime/BackpressureGate.js';
import type { ConnectorContext } from '../../../src/runtime/Connector.js';
import { JobMetrics } from '../../../src/runtime/JobMetrics.js';
import { waitFor } from '../../../src/testing/waitFor.js';
import { CLI, tempDir } from '../cli/cliHarness.js';

const context = (): ConnectorContext => ({ jobName: 'lock-test', gate: new BackpressureGate(), report: () => undefined, metrics: new JobMetrics() });
const lockOf = (pid: number, host = hostname()) => `${JSON.stringify({ pid, host, since: '2026-12-07T00:00:00.000Z' })}\n`;

/** The pid of a process that has exited: a lock it left is stale. */
function goneProcess(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('OutputFileLock: one writer per output file', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  before(async () => (dir = await tempDir('lock')));
  after(() => dir.remove());

  test('a live process\'s lock refuses a second writer with its pid and what to do; another host\'s too; an unreadable one too', async () => {
    const path = dir.path('held.lp');
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      for (const [content, who] of [[lockOf(sleeper.pid!), `clickflow process ${sleeper.pid} on ${hostname()}`], [lockOf(1, 'another-host'), 'clickflow process 1 on another-host'], ['', 'another clickflow process']] as const) {
        await writeFile(`${path}.lock`, content);
        assert.throws(
          () => OutputFileLock.acquire(path, '--to'),
          (e) =>
            e instanceof OutputFileLockedError &&
            e.message.startsWith(`--to: ${path} is being written by ${who}`) &&
            e.message.includes(`give each instance its own file`) &&
            e.message.endsWith(`delete ${path}.lock`) &&
            // A job manager retries while a process on this host may yet let go.
            e.retriable === (content === lockOf(sleeper.pid!)),
        );
        assert.equal(await readFile(`${path}.lock`, 'utf8'), content);
      }
    } finally {
      sleeper.kill();
    }
  });

  test('a lock left by a process that is gone is taken over, and released on close', async () => {
    const path = dir.path('stale.lp');
    await writeFile(path, '');
    await writeFile(`${path}.lock`, lockOf(goneProcess()));
    const lock = OutputFileLock.acquire(path);
    assert.deepEqual(JSON.parse(await readFile(`${path}.lock`, 'utf8')).pid, process.pid);
    // Held by this process: a second output to it is refused until the first lets go.
    assert.throws(() => OutputFileLock.acquire(path), OutputFileLockedError);
    // Another spelling of the same file: a symlink to it.
    await symlink(path, dir.path('link.lp'));
    assert.throws(() => OutputFileLock.acquire(dir.path('link.lp')), OutputFileLockedError);
    lock.release();
    assert.equal(existsSync(`${path}.lock`), false);
    OutputFileLock.acquire(path).release();
  });

  test('a locked file is neither truncated nor opened; the lock holder\'s lines stay', async () => {
    const path = dir.path('kept.lp');
    await writeFile(path, 'm v=1i 1\n');
    const first = await fileSink(path, '--to').open(context());
    const second = fileSink(path, '--to').open(context());
    await assert.rejects(second, OutputFileLockedError);
    first.write([]);
    await first.close();
    assert.equal(await readFile(path, 'utf8'), '');
    assert.equal(existsSync(`${path}.lock`), false);
    // The first writer gone, the next one opens it.
    await (await fileSink(path, '--to').open(context())).close();
  });

  test('every spelling of one file meets at one lock, a link to a file not created yet included', async () => {
    await symlink('target.lp', dir.path('dangling.lp'));
    const lock = OutputFileLock.acquire(dir.path('dangling.lp'));
    for (const spelling of [dir.path('target.lp'), `${dir.dir}/./target.lp`, dir.path('dangling.lp')]) {
      assert.throws(() => OutputFileLock.acquire(spelling), OutputFileLockedError, spelling);
    }
    assert.equal(existsSync(dir.path('target.lp.lock')), true);
    lock.release();
    assert.equal(existsSync(dir.path('target.lp.lock')), false);
  });

  test('pipes and devices are not locked, nor a file where no lock can be created', async () => {
    OutputFileLock.acquire('/dev/null').release();
    assert.equal(existsSync('/dev/null.lock'), false);
    // A missing directory: opening the output names it, not the lock.
    OutputFileLock.acquire(dir.path('missing/out.lp')).release();
    await assert.rejects(fileSink(dir.path('missing/out.lp'), '--to').open(context()), /--to/);
  });

  test('two clickflow processes given the same --to file: the second is refused and the first writes on; its lock goes when it exits', async () => {
    const input = dir.path('events.jsonl');
    await writeFile(input, `${JSON.stringify({ user_id: 'u', url: '/a', http_status: 500, event_timestamp: 1_735_689_600 })}\n`);
    const out = dir.path('shared.lp');
    const env = { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn' };
    const first = spawn(process.execPath, [CLI, 'run', 'error-rates', '--from', '-', '--to', `file:${out}`, '-q'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    try {
      await waitFor(() => existsSync(`${out}.lock`), { timeoutMs: 30_000, what: 'the first run\'s lock' });
      const second = spawnSync(process.execPath, [CLI, 'run', 'error-rates', '--from', `file:${input}`, '--to', `file:${out}`, '-q'], { env, encoding: 'utf8', timeout: 30_000 });
      assert.notEqual(second.status, 0);
      assert.match(second.stderr, new RegExp(`is being written by clickflow process ${first.pid} on `));
      first.stdin!.end(await readFile(input, 'utf8'));
      const [code] = (await once(first, 'close')) as [number];
      assert.equal(code, 0);
      assert.match(await readFile(out, 'utf8'), /^url_errors,/m);
      assert.equal(existsSync(`${out}.lock`), false);
    } finally {
      first.kill();
    }
  });

  test('stdout redirected to a file is locked as that file: a second run given it by name is refused, and a second redirected to it too', async () => {
    const input = dir.path('events-stdout.jsonl');
    await writeFile(input, `${JSON.stringify({ user_id: 'u', url: '/a', http_status: 500, event_timestamp: 1_735_689_600 })}\n`);
    const out = dir.path('redirected.lp');
    const env = { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn' };
    const fd = openSync(out, 'w');
    const first = spawn(process.execPath, [CLI, 'run', 'error-rates', '--from', '-', '--to', 'stdout', '-q'], { env, stdio: ['pipe', fd, 'pipe'] });
    closeSync(fd);
    try {
      await waitFor(() => existsSync(`${out}.lock`), { timeoutMs: 30_000, what: 'the first run\'s lock on its stdout' });
      const byName = spawnSync(process.execPath, [CLI, 'run', 'error-rates', '--from', `file:${input}`, '--to', `file:${out}`, '-q'], { env, encoding: 'utf8', timeout: 30_000 });
      assert.equal(byName.status, 1, byName.stderr);
      assert.match(byName.stderr, new RegExp(`is being written by clickflow process ${first.pid} on `));
      const appended = openSync(out, 'a');
      const redirected = spawnSync(process.execPath, [CLI, 'run', 'error-rates', '--from', `file:${input}`, '--to', 'stdout', '-q'], { env, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', appended, 'pipe'] });
      closeSync(appended);
      assert.equal(redirected.status, 1, redirected.stderr);
      assert.match(redirected.stderr, new RegExp(`stdout: .*redirected\\.lp is being written by clickflow process ${first.pid} on `));
      first.stdin!.end(await readFile(input, 'utf8'));
      const [code] = (await once(first, 'close')) as [number];
      assert.equal(code, 0);
      assert.match(await readFile(out, 'utf8'), /^url_errors,/m, 'the first run wrote its points, and only it');
      assert.doesNotMatch(await readFile(out, 'utf8'), /is being written/);
      assert.equal(existsSync(`${out}.lock`), false, 'released at exit');
    } finally {
      first.kill();
    }
  });
});
