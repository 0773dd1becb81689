import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { waitFor } from '../../../src/testing/waitFor.js';
import { runCli, tempDir } from './cliHarness.js';
import { startDemo } from './demoProcess.js';

/** `npm run demo`'s script: the port check, the build, then the demo. */
const DEMO_SCRIPT = fileURLToPath(new URL('../../../../scripts/demo.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../../../dist/', import.meta.url));

/** Runs scripts/demo.mjs to the end (bounded: were it to build, it would take long). */
function runDemoScript(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [DEMO_SCRIPT, ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

/** The sum of a counter over its series in a Prometheus text exposition. */
function counter(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** The points the demo's manager keeps per job, from the snapshot `/live` sends first. */
async function livePoints(pageUrl: string): Promise<{ jobs: { id: string; name: string }[]; points: Record<string, { measurement: string; tags: Record<string, string>; fields: Record<string, number> }[]> }> {
  const controller = new AbortController();
  const response = await fetch(new URL('/live', pageUrl), { signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    controller.abort();
  }
  const data = /^event: snapshot\ndata: (.*)$/m.exec(text)![1]!;
  const snapshot = JSON.parse(data) as { jobs: { id: string; name: string }[]; live: Record<string, { points: never[] }> };
  return { jobs: snapshot.jobs, points: Object.fromEntries(Object.entries(snapshot.live).map(([id, job]) => [id, job.points])) };
}

describe('clickflow demo', () => {
  test('the shop: served by the demo\'s collector, whose events join the in-memory topic of both jobs (actions per window, the shop\'s 404 among the error rates)', async () => {
    const demo = await startDemo(['--port', '0', '--collector-port', '0', '--window', '1s', '--max-out-of-orderness', '500ms', '--rate', '500']);
    try {
      const shop = /^shop at (http:\/\/\S+)\/shop: /m.exec(demo.output.stdout)?.[1];
      assert.ok(shop !== undefined, demo.output.stdout);
      const page = await fetch(`${shop}/shop`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /data-track="buy_now"/);
      assert.equal((await fetch(`${shop}/shop/sale`)).status, 404);
      const now = Date.now() / 1000;
      const event = (i: number, fields: Record<string, unknown>) => ({ event_id: `e${i}`, user_id: 'shopper', session_id: 's', url: '/shop', event_timestamp: now, ...fields });
      const events = [
        event(0, { event_type: 'page_view', url: '/shop/sale', http_status: 404 }),
        ...['add_to_cart', 'add_to_cart', 'buy_now', 'add_to_cart', 'buy_now'].map((action, i) => event(i + 1, { event_type: 'click', action })),
      ];
      const post = (body: unknown) => fetch(`${shop}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer = await post(events);
      assert.equal(answer.status, 202, await answer.text());
      // The actions job's windows see only clicks: a later one moves the watermark past the five.
      assert.equal((await post([event(9, { event_type: 'click', action: 'later', event_timestamp: now + 10 })])).status, 202);

      const counted = await waitFor(async () => {
        const { jobs, points } = await livePoints(demo.url);
        const idOf = (name: string) => jobs.find((job) => job.name === name)!.id;
        const actions = new Map<string, number>();
        for (const point of points[idOf('actions')] ?? []) {
          if (point.measurement === 'action_counts') actions.set(point.tags.action!, (actions.get(point.tags.action!) ?? 0) + point.fields.count!);
        }
        const sale = (points[idOf('error-rates')] ?? []).filter((point) => point.measurement === 'url_counts' && point.tags.url === '/shop/sale');
        return actions.get('add_to_cart') === 3 && actions.get('buy_now') === 2 && sale.length > 0 ? { actions, sale } : undefined;
      }, { what: 'the shop\'s events among both jobs\' points', timeoutMs: 60_000, stepMs: 250 });
      assert.equal(counted.actions.has('later'), false, 'the later click\'s window is still open');
      demo.child.kill('SIGINT');
      assert.equal(await demo.exited, 0, demo.output.stderr);
    } finally {
      demo.child.kill('SIGKILL');
    }
  });

  test('/metrics counters move while the demo runs; Ctrl-C stops it with exit 0 and a complete --out file', async () => {
    const temp = await tempDir('demo');
    const out = temp.path('points.lp');
    const demo = await startDemo(['--port', '0', '--window', '1s', '--max-out-of-orderness', '500ms', '--rate', '500', '--out', out]);
    try {
      assert.match(demo.output.stdout, /3 partitions, 500 events\/s, a 503 burst/);
      assert.match(demo.output.stdout, new RegExp(`points also go to ${out}`));
      const metrics = async () => (await fetch(new URL('/metrics', demo.url))).text();
      const first = await waitFor(async () => {
        const text = await metrics();
        return counter(text, 'clickflow_points_out_total') > 0 ? text : undefined;
      }, { what: 'the first points out', timeoutMs: 60_000 });
      const moved = await waitFor(async () => {
        const text = await metrics();
        return counter(text, 'clickflow_records_in_total') > counter(first, 'clickflow_records_in_total') &&
          counter(text, 'clickflow_points_out_total') > counter(first, 'clickflow_points_out_total') &&
          counter(text, 'clickflow_window_firings_total') > counter(first, 'clickflow_window_firings_total')
          ? text
          : undefined;
      }, { what: 'records in, points out and window firings to grow', timeoutMs: 60_000 });
      assert.match(moved, /clickflow_records_in_total\{job_id="[^"]+",job_name="error-rates"\} \d+/);
      demo.child.kill('SIGINT');
      assert.equal(await demo.exited, 0, demo.output.stderr);
      const lines = (await readFile(out, 'utf8')).split('\n').filter((line) => line !== '');
      assert.ok(lines.some((line) => line.startsWith('error_rates,partition=')), 'error rates written');
      assert.ok(lines.every((line) => /^(url_counts|url_errors|status_counts|error_rates|job_health),partition=[012][, ]/.test(line)), 'every line whole, on partitions 0–2');
    } finally {
      demo.child.kill('SIGKILL');
      await temp.remove();
    }
  });

  test('a reader of stdout that stopped (| head -1) does not crash its exit: Ctrl-C still ends it quietly with exit 0', async () => {
    const demo = await startDemo(['--port', '0']);
    try {
      // What `| head -1` leaves: the reading end of the pipe closed, so the demo's next line (`stopped`) meets EPIPE.
      demo.child.stdout!.destroy();
      demo.child.kill('SIGINT');
      assert.equal(await demo.exited, 0, demo.output.stderr);
      assert.doesNotMatch(demo.output.stderr, /EPIPE|Unhandled/);
    } finally {
      demo.child.kill('SIGKILL');
    }
  });

  test('a job submitted from the page with --metrics-port is refused (400): the manager serves its metrics', async () => {
    const demo = await startDemo(['--port', '0']);
    try {
      const response = await fetch(new URL('/jobs', demo.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job: 'error-rates', args: ['--from', 'generator', '--to', 'none', '--metrics-port', '0'] }),
      });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { error: string }).error, /^--metrics-port: a job manager serves its jobs' metrics at its own \/metrics/);
    } finally {
      demo.child.kill('SIGKILL');
    }
  });

  test('--duration stops it by itself with exit 0', async () => {
    const started = Date.now();
    const result = await runCli(['demo', '--port', '0', '--collector-port', '0', '--duration', '2s'], { timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /it stops after 2s/);
    assert.ok(Date.now() - started >= 2_000);
  });

  test('a port in use, an --out in a missing directory and a bad --rate exit 2 with what to do', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const taken = await runCli(['demo', '--port', String(port), '--collector-port', '0'], { timeoutMs: 60_000 });
      assert.equal(taken.code, 2);
      assert.match(taken.stderr, new RegExp(`--port: 127.0.0.1:${port} is in use; .*pick another --port`));
      assert.doesNotMatch(taken.stdout, /open http/);
      // The shop's collector is started first: its port in use stops the demo before the manager.
      const collectorTaken = await runCli(['demo', '--port', '0', '--collector-port', String(port)], { timeoutMs: 60_000 });
      assert.equal(collectorTaken.code, 2, collectorTaken.stderr);
      assert.match(collectorTaken.stderr, new RegExp(`--collector-port: 127.0.0.1:${port} is in use; pick another --collector-port`));
      assert.doesNotMatch(collectorTaken.stdout, /open http/);
    } finally {
      server.close();
    }
    const missing = await runCli(['demo', '--port', '0', '--out', '/nonexistent-dir/points.lp'], { timeoutMs: 60_000 });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: --out: cannot write \/nonexistent-dir\/points.lp .*mkdir -p \/nonexistent-dir/m);
    const temp = await tempDir('demo-out-dir');
    try {
      const directory = await runCli(['demo', '--port', '0', '--out', temp.dir], { timeoutMs: 60_000 });
      assert.equal(directory.code, 2);
      assert.match(directory.stderr, /^error: --out: cannot write \S+ \(EISDIR: it is a directory\); name a file in it, e\.g\. \/\S+\/out\.lp$/m);
    } finally {
      await temp.remove();
    }
    const rate = await runCli(['demo', '--rate', 'fast'], { timeoutMs: 60_000 });
    assert.equal(rate.code, 2);
    assert.match(rate.stderr, /"fast" is not a rate; write events per second from 0.001 to 100000, e.g. --rate 500/);
    const tooFast = await runCli(['demo', '--rate', '1e6'], { timeoutMs: 60_000 });
    assert.equal(tooFast.code, 2);
    assert.match(tooFast.stderr, /1e6 is more than the generator makes beside its job; give at most 100000/);
  });

  test('an --out that fails to write (/dev/full) ends the demo with exit 1 and the reason', async () => {
    const result = await runCli(['demo', '--port', '0', '--collector-port', '0', '--rate', '500', '--window', '1s', '--max-out-of-orderness', '500ms', '--out', '/dev/full'], { timeoutMs: 90_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /error: the demo's error-rates job failed: --out: cannot write \/dev\/full \(ENOSPC/);
    // The manager's log line keeps the logger's name and gives the job's as jobName (one "name" key would hide the other).
    const logged = JSON.parse(result.stderr.split('\n').find((line) => line.includes('job FAILED'))!) as Record<string, unknown>;
    assert.equal(logged.name, 'clickflow');
    assert.equal(logged.jobName, 'error-rates');
  });

  test('npm run demo beside a running demo refuses its port at once, without rebuilding the dist/ the first one runs from', async () => {
    const first = await startDemo(['--port', '0']);
    try {
      const port = new URL(first.url).port;
      const built = statSync(`${DIST}src/index.js`);
      for (const portArgs of [['--port', port], [`--port=${port}`]]) {
        const second = await runDemoScript(portArgs);
        assert.equal(second.code, 2, second.stderr);
        assert.match(second.stderr, new RegExp(`^error: --port: 127\\.0\\.0\\.1:${port} is in use; .*npm run demo -- --port ${Number(port) + 1}$`, 'm'));
      }
      const shopPort = /^shop at http:\/\/127\.0\.0\.1:(\d+)\/shop/m.exec(first.output.stdout)![1]!;
      const third = await runDemoScript(['--port', '0', '--collector-port', shopPort]);
      assert.equal(third.code, 2, third.stderr);
      assert.match(third.stderr, new RegExp(`^error: --collector-port: 127\\.0\\.0\\.1:${shopPort} is in use; .*npm run demo -- --collector-port ${Number(shopPort) + 1}$`, 'm'));
      // The old script built first: dist/ deleted and rewritten under the running demo.
      const after = statSync(`${DIST}src/index.js`);
      assert.deepEqual([after.ino, after.mtimeMs], [built.ino, built.mtimeMs], 'dist/ was rebuilt');
      assert.ok(!existsSync(`${DIST.slice(0, -1)}.next`), 'a build was started');
      // The first demo's next job still runs.
      const submitted = await fetch(new URL('/jobs', first.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job: 'error-rates', args: ['--from', 'generator', '--to', 'none'] }),
      });
      assert.equal(submitted.status, 201);
      const { id } = (await submitted.json()) as { id: string };
      await waitFor(async () => {
        const job = (await (await fetch(new URL(`/jobs/${id}`, first.url))).json()) as { state: string; recordsIn: number };
        assert.notEqual(job.state, 'FAILED', JSON.stringify(job));
        return job.state === 'RUNNING' && job.recordsIn > 0;
      }, { what: 'the first demo\'s next job to run', timeoutMs: 60_000 });
    } finally {
      first.child.kill('SIGKILL');
    }
  });
});
