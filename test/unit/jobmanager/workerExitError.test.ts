import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { workerExitError } from '../../../src/jobmanager/workerExitError.js';

/** How a real Node process given `args` ends: its exit code, signal and whole stderr. */
function crash(args: readonly string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

describe('workerExitError: why a worker died, from its real stderr', () => {
  test('a heap exhausted says so plainly, with what to do, instead of V8 frames', async () => {
    const { code, signal, stderr } = await crash(['--max-old-space-size=16', '-e', 'const a = []; for (;;) a.push(new Array(1e5).fill(1));']);
    assert.match(stderr, /heap out of memory/);
    const error = workerExitError(code, signal, stderr);
    assert.equal(error.name, 'WorkerOutOfMemory');
    assert.match(error.message, /ran out of memory \(JavaScript heap out of memory\)/);
    assert.match(error.message, /--max-old-space-size/);
    assert.doesNotMatch(error.message, /0x[0-9a-f]{5,}|v8::/);
    assert.equal(error.retriable, true);
  });

  test('an uncaught error keeps its error line, not the stack or the closing brace and Node.js footer', async () => {
    // A thrown object with properties ends in `}`, a blank line and `Node.js v…`: the three
    // lines the message used to keep.
    const { code, signal, stderr } = await crash(['--input-type=module', '-e', "await import('/nonexistent/clickflow/dist/src/module.js');"]);
    assert.match(stderr.trim(), /\}\s+Node\.js v\d+/);
    const error = workerExitError(code, signal, stderr);
    assert.equal(error.name, 'WorkerExit');
    assert.match(error.message, /^the job's process exited with code 1: Error \[ERR_MODULE_NOT_FOUND\]: Cannot find module '\/nonexistent\/clickflow\/dist\/src\/module\.js'/);
    assert.doesNotMatch(error.message, /Node\.js v\d|\| \}|\bat\s/);
  });

  test('the error line is kept however long the stack under it', async () => {
    const deep = 'function f(n) { if (n === 0) throw new RangeError("the window is inverted"); f(n - 1); } f(40);';
    const { code, signal, stderr } = await crash(['--stack-trace-limit=200', '-e', deep]);
    const error = workerExitError(code, signal, stderr);
    assert.match(error.message, /exited with code 1: RangeError: the window is inverted/);
    assert.doesNotMatch(error.message, /\bat f\b/);
  });

  test('a signal is named; a clean exit with nothing reported says the job ended the process itself', () => {
    assert.equal(workerExitError(null, 'SIGKILL', '').message, "the job's process exited on SIGKILL");
    assert.match(workerExitError(0, null, '').message, /exited with code 0 before reporting how the job ended \(does the job call process\.exit\(\)\?\)$/);
    assert.doesNotMatch(workerExitError(1, null, '').message, /process\.exit/);
  });

  test('a long stderr is cut to a readable message', () => {
    const error = workerExitError(1, null, `Error: ${'x'.repeat(10_000)}\n`);
    assert.ok(error.message.length <= 1_500, String(error.message.length));
  });
});
