import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { CLI } from './cliHarness.js';

const T0 = 1_735_689_600; // 2025-01-01T00:00:00Z
const ev = (i: number) => JSON.stringify({ user_id: 'u', url: `/p${i % 7}`, http_status: i % 10 === 0 ? 503 : 200, event_timestamp: T0 + i / 10 });

/** Polls until `check` returns a value, within a generous bound. */
async function until<T>(what: string, check: () => Promise<T | undefined>, boundMs = 30_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `no ${what} within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('run --metrics-port serves the running job\'s Prometheus metrics, which count what it read', async () => {
  const child = spawn(process.execPath, [CLI, 'run', 'error-rates', '--from', '-', '--to', 'file:/dev/null', '--metrics-port', '0', '-q'], {
    env: { ...process.env, CLICKFLOW_LOG_LEVEL: 'info' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const url = await until('metrics URL in the log', async () => /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(stderr)?.[1]);
    // The input stays open, so the job is still running while it is scraped.
    child.stdin.write(`${Array.from({ length: 250 }, (_, i) => ev(i)).join('\n')}\nnot json\n`);
    const text = await until('records counted', async () => {
      const body = await (await fetch(url)).text();
      return /clickflow_records_in_total\{[^}]*\} 251\b/.test(body) ? body : undefined;
    });
    assert.match(text, /clickflow_invalid_records_total\{[^}]*reason="not_json"[^}]*\} 1\b/);
    assert.match(text, /# TYPE clickflow_sink_write_seconds histogram/);
    assert.match(text, /process_cpu_user_seconds_total/, "Node's default metrics are there too");
    child.stdin.end();
    assert.equal(await exited, 0, stderr);
  } finally {
    child.kill('SIGKILL');
  }
});
