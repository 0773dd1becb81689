import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CLI, runCli } from './cliHarness.js';

/** Processes a failed test may have left running; killed at the end, or the file never ends. */
const running = new Set<ChildProcess>();

/** A server that accepts every connection and never answers, as a hung job manager does; `connected` resolves on the next connection. */
class HungServer {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private waiters: (() => void)[] = [];

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.resume();
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  connected(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }
}

describe('clickflow list/status/cancel against a job manager that never answers', { concurrency: 3, timeout: 120_000 }, () => {
  const hung = new HungServer();
  let url: string;
  before(async () => {
    url = await hung.listen();
  });
  after(() => {
    for (const child of running) child.kill('SIGKILL');
    hung.close();
  });

  test('--timeout ends list with a message that says so (exit 1)', async () => {
    const started = Date.now();
    const result = await runCli(['list', '--jobmanager', url, '--timeout', '1s'], { timeoutMs: 60_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^error: the job manager at ${url} did not answer GET /jobs within 1s; is it hung or overloaded\\? --timeout waits longer`));
    assert.ok(Date.now() - started >= 1_000, 'it waited the second it was given');
  });

  test('status gives up after 10 s by default', async () => {
    const result = await runCli(['status', 'some-id', '--jobmanager', url], { timeoutMs: 60_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /did not answer GET \/jobs\/some-id within 10s/);
  });

  test('a --timeout of 0 or not a duration is a usage error', async () => {
    for (const bad of ['0s', '10']) {
      const result = await runCli(['list', '--jobmanager', url, '--timeout', bad]);
      assert.equal(result.code, 2, `${bad}: ${result.stderr}`);
      assert.match(result.stderr, /--timeout <duration>' argument/);
    }
  });

  for (const [command, signal, code] of [
    [['cancel', 'some-id'], 'SIGTERM', 143],
    [['list'], 'SIGINT', 130],
  ] as const) {
    test(`${signal} ends a waiting ${command[0]} at once, with a message and exit ${code}`, async () => {
      // A server of its own: another test's connection must not pass for this one's.
      const own = new HungServer();
      const ownUrl = await own.listen();
      const connected = own.connected();
      // No --timeout: cancel would wait 40 s; the signal is what ends it.
      const child = spawn(process.execPath, [CLI, ...command, '--jobmanager', ownUrl], { env: { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = once(child, 'close');
      await connected;
      const signalled = Date.now();
      child.kill(signal);
      const [exitCode] = (await exited) as [number | null];
      running.delete(child);
      own.close();
      assert.equal(exitCode, code, stderr);
      const method = command[0] === 'cancel' ? 'DELETE /jobs/some-id' : 'GET /jobs';
      assert.match(stderr, new RegExp(`^error: ${signal} received before the job manager at ${ownUrl} answered ${method}`, 'm'));
      assert.ok(stderr.includes(ownUrl));
      if (command[0] === 'cancel') assert.match(stderr, /the manager may still carry out the DELETE: clickflow list shows its jobs/);
      assert.ok(Date.now() - signalled < 9_000, 'it ended on the signal, not on a timeout');
    });
  }
});

test('a password in --jobmanager is refused and never repeated', async () => {
  for (const given of ['http://user:pw-s3cret@127.0.0.1:1', 'http://user:pw-s3cret@127.0.0.1:1 x']) {
    const result = await runCli(['list', '--jobmanager', given]);
    assert.equal(result.code, 2, result.stderr);
    assert.ok(!result.stderr.includes('pw-s3cret'), result.stderr);
    assert.match(result.stderr, /^error: --jobmanager: "http:\/\/user:\*\*\*@127\.0\.0\.1:1( x)?"/);
  }
});
