import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../bin/clickflow.js', import.meta.url));
/** How long a phase may take to show up in the log on a loaded 2-core machine. */
const PHASE_BOUND_MS = 90_000;

/** Every process a test started and has not seen end: killed after the test whatever happened. */
const running = new Set<ChildProcess>();

/** Kills every job process still running (a failed test's), so that the test file can end. */
export function killAllJobs(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** How a job process ended. */
export interface JobExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A `clickflow run` as a child process, serving its metrics on a free port: a test can wait for
 * a line in its log, read its counters, its RSS, and signal it.
 */
export class JobProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<JobExit>;
  private stderrText = '';
  private stdoutText = '';
  private metricsUrl: string | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(args: readonly string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [CLI, ...args, '--metrics-port', '0'], {
      env: { ...process.env, ...env, CLICKFLOW_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdoutText += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText += chunk;
      this.metricsUrl ??= /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(this.stderrText)?.[1];
      for (const listener of this.listeners) listener();
    });
    this.exited = new Promise<JobExit>((resolve) =>
      this.child.on('close', (code, signal) => {
        running.delete(this.child);
        resolve({ code, signal });
        for (const listener of this.listeners) listener();
      }),
    );
  }

  get stderr(): string {
    return this.stderrText;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the log matches `pattern` (`times` times); rejects if the process ends first. */
  reached(pattern: RegExp, times = 1, timeoutMs = PHASE_BOUND_MS): Promise<void> {
    const global = new RegExp(pattern.source, 'g');
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if ((this.stderrText.match(global)?.length ?? 0) >= times) {
          done();
          resolve();
        } else if (!this.alive) {
          done();
          reject(new Error(`the job ended before ${pattern}:\n${this.stderrText.slice(-3000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.stderrText.slice(-3000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /**
   * A counter of the job's Prometheus metrics (`clickflow_records_in_total`, …), or undefined
   * while it does not serve them yet (start-up) or no longer (exit).
   */
  async metric(name: string): Promise<number | undefined> {
    if (this.metricsUrl === undefined || !this.alive) return undefined;
    try {
      const text = await (await fetch(this.metricsUrl)).text();
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
      return match === null ? undefined : Number(match[1]);
    } catch {
      return undefined;
    }
  }

  /** Resident set size in bytes (Linux /proc), or undefined once it has ended. */
  rssBytes(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    } catch {
      return undefined;
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/** `n` from the summary line, e.g. `records in` or `points out`. */
export function summaryCount(stderr: string, what: string): number | undefined {
  const match = new RegExp(`(\\d+) ${what}`).exec(stderr);
  return match === null ? undefined : Number(match[1]);
}
