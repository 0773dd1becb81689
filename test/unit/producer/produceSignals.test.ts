import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { tempDir } from '../cli/cliHarness.js';
import { startCli, type CliExit } from './startCli.js';

/** Every line is a whole JSON event, the output ends with a newline, and the summary counts them. */
function assertFlushed(exit: CliExit): number {
  assert.ok(exit.stdout.endsWith('\n'), `the output ends mid-line: …${exit.stdout.slice(-80)}`);
  const lines = exit.stdout.slice(0, -1).split('\n');
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
  assert.match(exit.stderr, new RegExp(`sent ${lines.length} events`));
  return lines.length;
}

const FIRST_LINE = /\n/;

describe('produce --dry-run stops on a signal', () => {
  test('SIGINT with --rate 5: exit 0, every printed event whole and counted', async () => {
    const cli = startCli(['produce', '--dry-run', '--rate', '5']);
    await cli.waitFor('stdout', FIRST_LINE);
    cli.kill('SIGINT');
    const exit = await cli.exited;
    assert.equal(exit.signal, null, `killed by ${exit.signal}: it did not stop on SIGINT`);
    assert.equal(exit.code, 0, exit.stderr);
    assertFlushed(exit);
  });

  test('SIGTERM without --rate, to a pipe and to a file: exit 0, every printed event whole and counted', async () => {
    const dir = await tempDir('produce-signals');
    try {
      // A file is written synchronously, so only a loop that yields ever sees the signal.
      for (const stdoutFile of [undefined, dir.path('events.jsonl')]) {
        const cli = startCli(['produce', '--dry-run'], { stdoutFile });
        await cli.waitFor('stdout', FIRST_LINE);
        cli.kill('SIGTERM');
        const exit = await cli.exited;
        assert.equal(exit.signal, null, `to ${stdoutFile ?? 'a pipe'}: killed by ${exit.signal}, it did not stop on SIGTERM`);
        assert.equal(exit.code, 0, exit.stderr);
        assertFlushed(exit);
      }
    } finally {
      await dir.remove();
    }
  });

  test('SIGINT during the 1000 s wait of --rate 0.001 ends the wait', async () => {
    const cli = startCli(['produce', '--dry-run', '--rate', '0.001', '--count', '3']);
    await cli.waitFor('stdout', FIRST_LINE);
    cli.kill('SIGINT');
    const exit = await cli.exited;
    assert.equal(exit.signal, null, `killed by ${exit.signal}: it did not stop on SIGINT`);
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(assertFlushed(exit), 1);
  });

  test('a paced wait never outlasts --duration', async () => {
    const exit = await startCli(['produce', '--dry-run', '--rate', '0.001', '--duration', '1s']).exited;
    assert.equal(exit.signal, null, 'it waited for the next event instead of ending at --duration');
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(assertFlushed(exit), 1);
  });

  test('--rate outside 0.001 … 10000000 is refused with the range (exit 2), not run for ever', async () => {
    for (const rate of ['1e-9', '20000000']) {
      const exit = await startCli(['produce', '--dry-run', '--rate', rate, '--count', '3']).exited;
      assert.equal(exit.code, 2, `--rate ${rate}: ${exit.stderr}`);
      assert.match(exit.stderr, /--rate.*0\.001.*10000000/);
      assert.equal(exit.stdout, '');
    }
  });
});

describe('produce --dry-run | head -1', () => {
  test('a reader that goes away ends the run quietly: exit 0, no stack trace', async () => {
    for (const args of [[], ['--rate', '200']]) {
      const cli = startCli(['produce', '--dry-run', ...args]);
      await cli.waitFor('stdout', FIRST_LINE);
      cli.closeStdout();
      const exit = await cli.exited;
      assert.equal(exit.signal, null, `${args}: still generating after the reader left`);
      assert.equal(exit.code, 0, `${args}: ${exit.stderr}`);
      assert.doesNotMatch(exit.stderr, /EPIPE|Error|at /, String(args));
    }
  });
});

describe('produce to Kafka stops on a signal while connecting', () => {
  test('SIGINT while the broker refuses connections ends the run with its summary, not a retry error', async () => {
    const port = await closedPort();
    // kafkajs's own log shows when the first connection attempt has failed.
    const cli = startCli(['produce', '--brokers', `127.0.0.1:${port}`, '--count', '10'], { env: { CLICKFLOW_KAFKA_LOGS: '1' } });
    try {
      await cli.waitFor('stderr', /ECONNREFUSED/);
      cli.kill('SIGINT');
      await cli.waitFor('stderr', /sent 0 events|cannot reach Kafka/);
    } finally {
      // kafkajs cannot cancel its connection retries, which keep the process up for seconds
      // more; what is tested here is that the run itself has stopped.
      cli.kill('SIGKILL');
    }
    const exit = await cli.exited;
    assert.match(exit.stderr, /sent 0 events, .* to clickstream/);
    assert.doesNotMatch(exit.stderr, /cannot reach Kafka/);
  });
});

/** A local port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
