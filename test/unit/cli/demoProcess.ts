import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '../../../src/testing/waitFor.js';
import { CLI } from './cliHarness.js';

/** A running `clickflow demo`, its output so far, and the page's URL once it printed it. */
export interface DemoProcess {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  /** The page's URL, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

/**
 * Starts `clickflow demo` with `args` and waits until it prints its page's URL. Its collector
 * takes any free port unless `args` name one, so that demos of several tests never meet on 8090.
 */
export async function startDemo(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<DemoProcess> {
  const collectorPort = args.includes('--collector-port') ? [] : ['--collector-port', '0'];
  const child = spawn(process.execPath, [CLI, 'demo', ...collectorPort, ...args], {
    env: { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  let ended = false;
  void exited.then(() => (ended = true));
  const url = await waitFor(
    () => {
      if (ended) throw new Error(`the demo exited early: ${output.stderr}`);
      return /^open (http:\/\/\S+)$/m.exec(output.stdout)?.[1];
    },
    { what: 'the demo to print its URL', timeoutMs: 60_000 },
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, output, url, exited };
}
