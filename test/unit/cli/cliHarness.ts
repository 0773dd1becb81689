import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI: dist/test/unit/cli/ → bin/clickflow.js. */
export const CLI = fileURLToPath(new URL('../../../../bin/clickflow.js', import.meta.url));

/** The outcome of one `clickflow` run. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `bin/clickflow.js` with `args` to the end, feeding `stdin` when given. The log keeps to
 * warnings unless `logLevel` says otherwise (`null`: the CLI's own choice).
 */
export function runCli(args: readonly string[], options: { stdin?: string; timeoutMs?: number; logLevel?: string | null } = {}): Promise<CliResult> {
  // No Kafka or InfluxDB settings leak in from the environment: these runs never touch a network.
  const env: NodeJS.ProcessEnv = { ...process.env, CLICKFLOW_LOG_LEVEL: options.logLevel === undefined ? 'warn' : (options.logLevel ?? undefined) };
  for (const name of ['KAFKA_BROKERS', 'INFLUX_URL', 'INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_TOKEN']) delete env[name];
  if (env.CLICKFLOW_LOG_LEVEL === undefined) delete env.CLICKFLOW_LOG_LEVEL;
  const child = spawn(process.execPath, [CLI, ...args], {
    env,
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 20_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh temporary directory, and a function that removes it. */
export async function tempDir(prefix: string): Promise<{ dir: string; path: (name: string) => string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `clickflow-${prefix}-`));
  return { dir, path: (name) => join(dir, name), remove: () => rm(dir, { recursive: true, force: true }) };
}
