/** `clickflow collect` as a user starts it, for the tests that talk to a real one. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../src/testing/waitFor.js';

const CLI = fileURLToPath(new URL('../../bin/clickflow.js', import.meta.url));

export interface CollectProcess {
  readonly child: ChildProcess;
  /** `http://host:port`, from the line it prints once it listens. */
  readonly url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then its exit code; SIGKILL after `boundMs`. */
  stop(boundMs?: number): Promise<number | null>;
}

/** Starts `clickflow collect --port 0 …args` and waits (bounded) for its address; one that exits first fails with its stderr. */
export async function startCollect(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CollectProcess> {
  const child = spawn(process.execPath, [CLI, 'collect', '--port', '0', ...args], { env: { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = await Promise.race([
    waitFor(() => /^collector at (http:\/\/\S+)\/v1\/events$/m.exec(stdout)?.[1], { what: 'the collector to print its address', timeoutMs: 60_000 }),
    exited.then((code) => {
      throw new Error(`clickflow collect exited (${code}) before it listened: ${stderr}`);
    }),
  ]).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(boundMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
