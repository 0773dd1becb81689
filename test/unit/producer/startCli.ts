import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { CLI } from '../cli/cliHarness.js';

/** How a `clickflow` process ended, and everything it wrote. */
export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A `clickflow` process still running: wait for its output, signal it, await its end. */
export interface RunningCli {
  readonly pid: number;
  /**
   * Resolves once the stream's output so far matches; rejects if the process ends first.
   * Output to a file (`stdoutFile`) is polled every 50 ms.
   */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** Closes the read end of the child's stdout, as `| head -1` does once it has its line. */
  closeStdout(): void;
  readonly exited: Promise<CliExit>;
}

/**
 * Starts `bin/clickflow.js` with `args` and returns at once, for tests that act on a running
 * process. No Kafka or InfluxDB settings leak in from the environment; `env` adds to it
 * (e.g. `TZ`). A process still alive after `timeoutMs` is killed, so a hang fails the test
 * (its exit then shows `signal: 'SIGKILL'`) instead of stalling the suite. With `stdoutFile`,
 * stdout goes to that file, which Node writes synchronously, unlike a pipe to this process.
 */
export function startCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; stdoutFile?: string } = {},
): RunningCli {
  const env: NodeJS.ProcessEnv = { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn', ...options.env };
  for (const name of ['KAFKA_BROKERS', 'INFLUX_URL', 'INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_TOKEN']) delete env[name];
  const fileFd = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'w');
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', fileFd ?? 'pipe', 'pipe'] });
  if (fileFd !== undefined) closeSync(fileFd);
  const output = { stdout: '', stderr: '' };
  const readFile = () => {
    if (options.stdoutFile !== undefined) output.stdout = readFileSync(options.stdoutFile, 'utf8');
  };
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  // Read only while someone waits: after a signal the file may grow fast.
  const poll =
    options.stdoutFile === undefined
      ? undefined
      : setInterval(() => {
          if (waiters.size === 0) return;
          readFile();
          wake();
        }, 50);
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
    wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
    wake();
  });
  // A read end closed on purpose (closeStdout) reports nothing worth failing on.
  child.stdout?.on('error', () => undefined);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  let ended = false;
  const exited = new Promise<CliExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      readFile();
      ended = true;
      wake();
      resolve({ code, signal, ...output });
    });
  });
  return {
    pid: child.pid!,
    waitFor: (stream, pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(output[stream])) {
            waiters.delete(check);
            resolve();
          } else if (ended) {
            waiters.delete(check);
            reject(new Error(`clickflow ended before its ${stream} matched ${pattern}; stderr: ${output.stderr.slice(-2000)}`));
          }
        };
        waiters.add(check);
        check();
      }),
    kill: (signal) => child.kill(signal),
    closeStdout: () => child.stdout?.destroy(),
    exited,
  };
}
