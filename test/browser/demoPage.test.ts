// The live page in a real browser: Debian's chromium, driven by playwright-core (which never
// downloads a browser). The page is checked against what the job wrote: the error-rate chart's
// data must be the job's own line protocol (--out), summed over partitions per window.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitFor } from '../../src/testing/waitFor.js';
import { parseLineProtocol } from '../unit/points/lineProtocolParser.js';
import { CLI, tempDir } from '../unit/cli/cliHarness.js';
import { startDemo } from '../unit/cli/demoProcess.js';
import { startJobManager } from '../jobManagerProcess.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this on CI)`;
// Into the temporary directory unless CLICKFLOW_SCREENSHOT names a path (the README's picture is
// refreshed with CLICKFLOW_SCREENSHOT=docs/demo.png): a test run leaves the checkout unchanged.
const SCREENSHOT = process.env.CLICKFLOW_SCREENSHOT
  ? resolve(process.env.CLICKFLOW_SCREENSHOT)
  : join(tmpdir(), `clickflow-demo-${process.pid}.png`);

/** What the page exposes on `window.clickflow`, as far as the test reads it. */
interface PageState {
  clickflow: {
    jobs: { id: string; state: string }[];
    charts: Record<string, Record<string, { data: (number | null)[][]; ctx: CanvasRenderingContext2D }>>;
    /** Per job, its ranking charts by name: (tag value, sum), biggest first. */
    rankings: Record<string, Record<string, { windowStartMs?: number; entries: [string, number][] }>>;
    renders: number;
    connected: boolean;
  };
}
declare const window: PageState;

function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Page errors and requests that left the manager: the page must work offline. */
function watch(page: Page, origin: string): { errors: string[]; foreign: string[] } {
  const seen = { errors: [] as string[], foreign: [] as string[] };
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(message.text());
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) seen.foreign.push(request.url());
  });
  return seen;
}

/** The job's error_rates points from its line protocol, the last firing of each (partition, window) kept, summed per window. */
function windowsOf(lineProtocol: string): { times: number[]; total: number[]; rate: number[]; client: number[]; server: number[]; refired: number } {
  const latest = new Map<string, { timeMs: number; fields: Map<string, number> }>();
  let refired = 0;
  for (const point of parseLineProtocol(lineProtocol)) {
    if (point.measurement !== 'error_rates') continue;
    const timeMs = Number(point.timestampNs! / 1_000_000n);
    const partition = point.tags.find(([name]) => name === 'partition')![1];
    const key = `${partition}@${timeMs}`;
    if (latest.has(key)) refired++;
    latest.set(key, { timeMs, fields: new Map(point.fields.map(([name, field]) => [name, Number(field.value)])) });
  }
  const sums = new Map<number, { total: number; errors: number; client: number; server: number }>();
  for (const { timeMs, fields } of latest.values()) {
    const sum = sums.get(timeMs) ?? { total: 0, errors: 0, client: 0, server: 0 };
    sum.total += fields.get('total')!;
    sum.errors += fields.get('errors')!;
    sum.client += fields.get('client_errors')!;
    sum.server += fields.get('server_errors')!;
    sums.set(timeMs, sum);
  }
  const times = [...sums.keys()].sort((a, b) => a - b);
  const of = (pick: (s: { total: number; errors: number; client: number; server: number }) => number) => times.map((t) => pick(sums.get(t)!));
  return {
    refired,
    times,
    total: of((s) => s.total),
    rate: of((s) => s.errors / s.total),
    client: of((s) => s.client / s.total),
    server: of((s) => s.server / s.total),
  };
}

describe('the live page', { skip }, () => {
  test('the demo: token, live charts that match the job output, RUNNING, cancel → CANCELED, submit from the page', { timeout: 300_000 }, async () => {
    const temp = await tempDir('browser');
    const out = temp.path('points.lp');
    const token = `page-token-${randomUUID()}`;
    // 2 s windows: a dozen windows, the 503 burst of the first 10 s among them, in half a minute.
    const demo = await startDemo(
      ['--port', '0', '--window', '2s', '--max-out-of-orderness', '1s', '--allowed-lateness', '2s', '--rate', '400', '--out', out],
      { CLICKFLOW_TOKEN: token },
    );
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const seen = watch(page, new URL(demo.url).origin);
      await page.goto(demo.url);
      // A manager with a token: the page asks for it, and sends it as a header (never in a URL).
      await page.locator('#token-form').waitFor({ state: 'visible', timeout: 30_000 });
      await page.fill('#token', token);
      await page.click('#token-form button');

      // The demo runs error-rates and, for the shop's clicks, actions: the error-rates job is the one with that chart.
      const jobId = (await page
        .waitForFunction(() => {
          const id = Object.keys(window.clickflow.charts).find((key) => window.clickflow.charts[key]!.errorRate !== undefined);
          return id !== undefined && window.clickflow.charts[id]!.errorRate!.data[0]!.length >= 8 ? id : false;
        }, undefined, { timeout: 180_000, polling: 250 })
        .then((handle) => handle.jsonValue())) as string;
      assert.equal(await page.locator('#jobs tbody tr').count(), 2, 'error-rates and actions');
      const row = page.locator(`#jobs tr[data-job-id="${jobId}"]`);
      assert.equal(await row.locator('.state').textContent(), 'RUNNING');

      // Live: new windows reach the chart within 2 s (a window fires every 2 s of event time).
      const windowsNow = await page.evaluate((id) => window.clickflow.charts[id]!.errorRate!.data[0]!.length, jobId);
      await page.waitForFunction(
        ([id, n]) => window.clickflow.charts[id as string]!.errorRate!.data[0]!.length > (n as number),
        [jobId, windowsNow],
        { timeout: 10_000, polling: 100 },
      );

      // Drawn, not only held: the error line's colour (#d92d20) is on the chart's canvas.
      const linePixels = await page.evaluate((id) => {
        const { ctx } = window.clickflow.charts[id]!.errorRate!;
        const { data } = ctx.getImageData(0, 0, ctx.canvas.width, ctx.canvas.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - 0xd9) < 24 && Math.abs(data[i + 1]! - 0x2d) < 24 && Math.abs(data[i + 2]! - 0x20) < 24) n++;
        return n;
      }, jobId);
      assert.ok(linePixels > 100, `the error-rate line is drawn (${linePixels} pixels of its colour)`);
      const top = await page.evaluate((id) => window.clickflow.rankings[id]!.topUrls!.entries, jobId);
      assert.ok(top.length > 0 && top.every(([, n], i) => i === 0 || n <= top[i - 1]![1]), 'top URLs, biggest first');
      assert.equal(await page.locator(`[data-job-id="${jobId}"] .top-urls li`).count(), top.length);

      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // Cancel from the page: the job flushes, and its last points reach the page before CANCELED does.
      await row.locator('button.cancel').click();
      await page.waitForFunction((id) => window.clickflow.jobs.find((job) => job.id === id)?.state === 'CANCELED', jobId, { timeout: 90_000 });
      // The row changes at a render, which also drew the last points (they came before CANCELED).
      await waitFor(async () => (await row.locator('.state').textContent()) === 'CANCELED', { what: 'CANCELED in the job list', timeoutMs: 10_000 });

      // The chart is the job's output: every window of the file, with its last firing, and nothing
      // else. The page is given a few renders to show the last points (a loaded CI machine can
      // delay them); the assertions below then compare the final pair whatever it is.
      const read = async () => ({
        expected: windowsOf(await readFile(out, 'utf8')),
        charted: await page.evaluate((id) => {
          const charts = window.clickflow.charts[id]!;
          return { errorRate: charts.errorRate!.data, events: charts.events!.data };
        }, jobId),
      });
      let last = await read();
      await waitFor(
        async () => {
          last = await read();
          return JSON.stringify(last.charted.errorRate[1]) === JSON.stringify(last.expected.rate) &&
            JSON.stringify(last.charted.events[1]) === JSON.stringify(last.expected.total);
        },
        { what: 'the chart to show the job\'s last points', timeoutMs: 15_000 },
      ).catch(() => undefined);
      const { expected, charted } = last;
      assert.ok(expected.times.length >= 8, `the file has ${expected.times.length} windows`);
      // Events up to 2 s out of order against a 1 s bound re-fire their windows within the 2 s
      // of allowed lateness: the chart must show each window's last firing, not a sum of them.
      assert.ok(expected.refired > 0, 'some windows fired more than once');
      assert.deepEqual(charted.errorRate[0], expected.times.map((ms) => ms / 1000), 'the same windows');
      assert.deepEqual(charted.errorRate[1], expected.rate, 'error rate per window');
      assert.deepEqual(charted.errorRate[2], expected.client, '4xx rate per window');
      assert.deepEqual(charted.errorRate[3], expected.server, '5xx rate per window');
      assert.deepEqual(charted.events[1], expected.total, 'events per window');
      // The 503 burst of the first 10 s is visible, and so is its end.
      assert.ok(Math.max(...expected.rate) > 0.3 && Math.min(...expected.rate) < 0.2, `burst and calm: ${expected.rate.map((r) => r.toFixed(2)).join(' ')}`);

      // Submit from the page: the form's default is the error-rates job over the generator.
      const before = await page.evaluate(() => window.clickflow.jobs.map((job) => job.id));
      await page.click('#submit-form button');
      await page.waitForFunction((ids) => window.clickflow.jobs.some((job) => !ids.includes(job.id) && job.state === 'RUNNING'), before, { timeout: 60_000 });
      assert.match((await page.locator('#submit-message').textContent()) ?? '', /^submitted error-rates: /);

      assert.deepEqual(seen.foreign, [], 'every request goes to the job manager');
      // Chromium logs the one refused call that showed the token form; nothing else went wrong.
      assert.deepEqual(seen.errors, ['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    } finally {
      await browser.close();
      demo.child.kill('SIGINT');
      const code = await demo.exited;
      await temp.remove();
      assert.equal(code, 0, demo.output.stderr);
    }
  });

  test('a job manager with no job: the page says so, draws no panel, and is live', { timeout: 120_000 }, async () => {
    const temp = await tempDir('browser-empty');
    const env: NodeJS.ProcessEnv = { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn' };
    delete env.CLICKFLOW_TOKEN;
    const manager = spawn(process.execPath, [CLI, 'jobmanager', '--port', '0', '--state-file', temp.path('state.json')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    manager.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise((resolve) => manager.on('close', resolve));
    const browser = await launch();
    try {
      const url = await waitFor(() => /job manager at (http:\/\/\S+)/.exec(stdout)?.[1], { what: 'the manager\'s URL', timeoutMs: 60_000 });
      const page = await browser.newPage();
      const seen = watch(page, url);
      await page.goto(`${url}/`);
      await page.waitForFunction(() => window.clickflow.connected && window.clickflow.renders > 0, undefined, { timeout: 30_000 });
      assert.equal(await page.locator('#no-jobs').isVisible(), true);
      assert.equal(await page.locator('#jobs tbody tr').count(), 0);
      assert.equal(await page.locator('#panels .panel').count(), 0);
      assert.equal(await page.locator('#token-form').isVisible(), false, 'no token asked for when the manager has none');
      assert.deepEqual(seen.errors, []);
    } finally {
      await browser.close();
      manager.kill('SIGINT');
      await exited;
      await temp.remove();
    }
  });

  test('a sessions job submitted from the page: its charts are the job output’s session_stats and landing_pages', { timeout: 300_000 }, async () => {
    const temp = await tempDir('browser-sessions');
    const out = temp.path('sessions.lp');
    const manager = await startJobManager({ stateFile: temp.path('state.json'), env: { CLICKFLOW_LOG_LEVEL: 'warn', CLICKFLOW_TOKEN: undefined } });
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const seen = watch(page, new URL(manager.url).origin);
      await page.goto(`${manager.url}/`);
      await page.waitForFunction(() => window.clickflow.connected, undefined, { timeout: 30_000 });
      await page.fill('#submit-job', 'sessions');
      // 1 s gaps: sessions end within seconds, and a minute of them fires about a minute in.
      await page.fill('#submit-args', `--from generator:400 --to file:${out} --gap 1s`);
      await page.click('#submit-form button');
      const jobId = (await page
        .waitForFunction(() => {
          const ids = Object.keys(window.clickflow.charts);
          const chart = ids.length === 1 ? window.clickflow.charts[ids[0]!]!.sessions : undefined;
          return chart !== undefined && chart.data[0]!.length >= 1 ? ids[0] : false;
        }, undefined, { timeout: 240_000, polling: 500 })
        .then((handle) => handle.jsonValue())) as string;
      await page.locator(`#jobs tr[data-job-id="${jobId}"] button.cancel`).click();
      await page.waitForFunction((id) => window.clickflow.jobs.find((job) => job.id === id)?.state === 'CANCELED', jobId, { timeout: 90_000 });

      // The file holds every point the job wrote; the page shows the last of each (minute, URL).
      const read = async () => {
        const stats = new Map<number, Map<string, number>>();
        const landing = new Map<string, Map<number, number>>();
        for (const point of parseLineProtocol(await readFile(out, 'utf8'))) {
          const timeMs = Number(point.timestampNs! / 1_000_000n);
          const fields = new Map(point.fields.map(([name, field]) => [name, Number(field.value)]));
          if (point.measurement === 'session_stats') stats.set(timeMs, fields);
          if (point.measurement === 'landing_pages') {
            const url = point.tags.find(([name]) => name === 'url')![1];
            if (!landing.has(url)) landing.set(url, new Map());
            landing.get(url)!.set(timeMs, fields.get('sessions')!);
          }
        }
        const times = [...stats.keys()].sort((a, b) => a - b);
        const totals = [...landing].map(([url, byMinute]) => [url, [...byMinute.values()].reduce((a, b) => a + b, 0)] as [string, number]);
        return {
          times: times.map((ms) => ms / 1000),
          sessions: times.map((ms) => stats.get(ms)!.get('sessions')!),
          bounceRate: times.map((ms) => stats.get(ms)!.get('bounce_rate')!),
          top: totals.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10),
          charted: await page.evaluate((id) => ({ sessions: window.clickflow.charts[id]!.sessions!.data, bounce: window.clickflow.charts[id]!.bounceRate!.data, top: window.clickflow.rankings[id]!.landingPages!.entries }), jobId),
        };
      };
      let last = await read();
      await waitFor(async () => {
        last = await read();
        return JSON.stringify(last.charted.sessions[1]) === JSON.stringify(last.sessions) && JSON.stringify(last.charted.top) === JSON.stringify(last.top);
      }, { what: 'the charts to show the job’s last points', timeoutMs: 15_000 }).catch(() => undefined);
      assert.ok(last.times.length >= 1, 'a minute of sessions was written');
      assert.ok(last.sessions.every((n) => n > 0));
      assert.deepEqual(last.charted.sessions[0], last.times, 'the same minutes');
      assert.deepEqual(last.charted.sessions[1], last.sessions, 'sessions per minute');
      assert.deepEqual(last.charted.bounce[1], last.bounceRate, 'bounce rate per minute');
      assert.deepEqual(last.charted.top, last.top, 'top landing pages');
      assert.equal(await page.locator(`[data-job-id="${jobId}"] .top-urls li`).count(), last.top.length);
      assert.deepEqual(seen.foreign, []);
      assert.deepEqual(seen.errors, []);
    } finally {
      await browser.close();
      assert.equal(await manager.stop(), 0, manager.stderr());
      await temp.remove();
    }
  });

  test('an actions job: its declared charts show add to cart beside buy now per window, as the job wrote them', { timeout: 180_000 }, async () => {
    const temp = await tempDir('browser-actions');
    const input = temp.path('clicks.jsonl');
    const out = temp.path('actions.lp');
    // Tracker clicks over three 10 s windows, with page views (no action) between them.
    const t0 = Date.UTC(2026, 0, 1) / 1000;
    const perWindow = [[3, 1], [5, 2], [1, 4]];
    const lines: string[] = [];
    perWindow.forEach(([adds, buys], w) => {
      const at = (i: number) => t0 + w * 10 + i * 0.1;
      lines.push(JSON.stringify({ user_id: 'u', url: '/shop', event_type: 'page_view', http_status: 200, event_timestamp: at(0) }));
      for (let i = 0; i < adds!; i++) lines.push(JSON.stringify({ user_id: 'u', url: '/shop', event_type: 'click', action: 'add_to_cart', event_timestamp: at(i + 1) }));
      for (let i = 0; i < buys!; i++) lines.push(JSON.stringify({ user_id: 'u', url: '/shop', event_type: 'click', action: 'buy_now', event_timestamp: at(i + 20) }));
    });
    await writeFile(input, `${lines.join('\n')}\n`);
    const manager = await startJobManager({ stateFile: temp.path('state.json'), env: { CLICKFLOW_LOG_LEVEL: 'warn', CLICKFLOW_TOKEN: undefined } });
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const seen = watch(page, new URL(manager.url).origin);
      await page.goto(`${manager.url}/`);
      await page.waitForFunction(() => window.clickflow.connected, undefined, { timeout: 30_000 });
      await page.fill('#submit-job', 'actions');
      await page.fill('#submit-args', `--from file:${input} --to file:${out}`);
      await page.click('#submit-form button');
      const jobId = (await page
        .waitForFunction(() => {
          const ids = Object.keys(window.clickflow.charts);
          const chart = ids.length === 1 ? window.clickflow.charts[ids[0]!]!.actions : undefined;
          return chart !== undefined && chart.data[0]!.length === 3 ? ids[0] : false;
        }, undefined, { timeout: 120_000, polling: 250 })
        .then((handle) => handle.jsonValue())) as string;
      await page.waitForFunction((id) => window.clickflow.jobs.find((job) => job.id === id)?.state === 'FINISHED', jobId, { timeout: 60_000 });

      // The job's own output, summed per window and action.
      const written = new Map<number, Map<string, number>>();
      for (const point of parseLineProtocol(await readFile(out, 'utf8'))) {
        if (point.measurement !== 'action_counts') continue;
        const timeMs = Number(point.timestampNs! / 1_000_000n);
        const action = point.tags.find(([name]) => name === 'action')![1];
        const byAction = written.get(timeMs) ?? new Map<string, number>();
        byAction.set(action, (byAction.get(action) ?? 0) + Number(point.fields[0]![1].value));
        written.set(timeMs, byAction);
      }
      const times = [...written.keys()].sort((a, b) => a - b);
      assert.deepEqual(times.map((ms) => written.get(ms)!.get('add_to_cart')), perWindow.map(([adds]) => adds));
      assert.deepEqual(times.map((ms) => written.get(ms)!.get('buy_now')), perWindow.map(([, buys]) => buys));

      await page.waitForFunction((id) => window.clickflow.rankings[id]?.topActions !== undefined, jobId, { timeout: 10_000 });
      const charted = await page.evaluate((id) => {
        const chart = window.clickflow.charts[id]!.actions!;
        return { data: chart.data, labels: (chart as unknown as { series: { label: string }[] }).series.slice(1).map((s) => s.label), top: window.clickflow.rankings[id]!.topActions!.entries };
      }, jobId);
      assert.deepEqual(charted.labels, ['add_to_cart', 'buy_now'], 'one line per action, as the job declares');
      assert.deepEqual(charted.data[0], times.map((ms) => ms / 1000), 'the same windows');
      assert.deepEqual(charted.data[1], times.map((ms) => written.get(ms)!.get('add_to_cart')), 'add to cart per window');
      assert.deepEqual(charted.data[2], times.map((ms) => written.get(ms)!.get('buy_now')), 'buy now per window');
      assert.deepEqual(charted.top, [['buy_now', 4], ['add_to_cart', 1]], 'the actions of the last window, most first');
      assert.equal(await page.locator(`[data-job-id="${jobId}"] [data-chart="topActions"] li`).count(), 2);
      assert.deepEqual(seen.foreign, []);
      assert.deepEqual(seen.errors, []);
    } finally {
      await browser.close();
      assert.equal(await manager.stop(), 0, manager.stderr());
      await temp.remove();
    }
  });
});
