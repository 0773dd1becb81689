/** `clickflow jobmanager` as a user starts it, for the tests that talk to a real one. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../src/testing/waitFor.js';

const CLI = fileURLToPath(new URL('../../bin/clickflow.js', import.meta.url));

/** Managers a failed test may have left running: `killJobManagers` ends them, or the test file never ends. */
const running = new Set<ChildProcess>();

export interface JobManagerOptions {
  readonly stateFile: string;
  /** Further `jobmanager` flags. */
  readonly args?: readonly string[];
  /** Over this process's environment; `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Its stderr into this file (appended) instead of memory. */
  readonly stderrFile?: string;
}

export interface SpawnedJobManager {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout(): string;
  /** What it wrote to stderr, from memory or from `stderrFile`. */
  stderr(): string;
  /** SIGTERM, then its exit code; SIGKILL after `boundMs`. */
  stop(boundMs?: number): Promise<number | null>;
}

export interface JobManagerProcess extends SpawnedJobManager {
  readonly url: string;
  readonly port: number;
}

/** Starts `clickflow jobmanager --port 0 --state-file …`; returns at once. */
export function spawnJobManager(options: JobManagerOptions): SpawnedJobManager {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const log = options.stderrFile === undefined ? undefined : openSync(options.stderrFile, 'a');
  const child = spawn(process.execPath, [CLI, 'jobmanager', '--port', '0', '--state-file', options.stateFile, ...(options.args ?? [])], {
    env,
    stdio: ['ignore', 'pipe', log ?? 'pipe'],
  });
  if (log !== undefined) closeSync(log);
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => (options.stderrFile === undefined ? stderr : readFileSync(options.stderrFile, 'utf8')),
    async stop(boundMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Starts a job manager and waits (bounded) for the URL it prints; one that exits first fails with its stderr. */
export async function startJobManager(options: JobManagerOptions, startBoundMs = 60_000): Promise<JobManagerProcess> {
  const spawned = spawnJobManager(options);
  let gone = false;
  void spawned.exited.then(() => (gone = true));
  const url = await waitFor(
    () => {
      if (gone) throw new Error(`the job manager exited:\n${spawned.stderr()}`);
      return /job manager at (http:\/\/\S+)/.exec(spawned.stdout())?.[1];
    },
    { timeoutMs: startBoundMs, what: 'the job manager to print its URL' },
  ).catch((error: Error) => {
    spawned.child.kill('SIGKILL');
    throw new Error(`${error.message}\n${spawned.stderr()}`);
  });
  return { ...spawned, url, port: Number(new URL(url).port) };
}

/** Kills every manager still running (a test's `after`). */
export function killJobManagers(): void {
  for (const child of running) child.kill('SIGKILL');
}
