// The demo shop end to end, in a real browser (Debian's chromium, driven by playwright-core):
// served by a real `clickflow collect --demo-site` into a real Kafka topic, read by the
// actions job of a real job manager, whose live page charts the clicks. Clicks across a
// reload and an offline spell each reach Kafka; the tracker delivers at least once (README,
// "The browser tracker"), so copies are told apart by event_id and must be the same event.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { startCollect } from '../collectProcess.js';
import { startJobManager } from '../jobManagerProcess.js';
import { consumeAll, type ConsumedRecord } from '../services/consumeAll.js';
import { tempDir } from '../unit/cli/cliHarness.js';
import { queuedEvents, ShopButtons } from './shopPage.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this on CI)`;

type StoredEvent = Record<string, unknown> & { event_id: string; event_type?: string; action?: string; user_id: string; event_timestamp: number };

/** What the live page exposes on `window.clickflow`, as far as the test reads it. */
interface PageState {
  clickflow: {
    jobs: { id: string; state: string }[];
    charts: Record<string, Record<string, { data: (number | null)[][]; series: { label: string }[] }>>;
    connected: boolean;
  };
}
declare const window: PageState;

describe('the demo shop through the real collector into Kafka', { skip }, () => {
  test('20 clicks, a reload in the middle, offline and back: every click is in Kafka once by event_id, copies identical; the actions job\'s live page counts them', { timeout: 300_000 }, async () => {
    const { brokers } = serviceEnv();
    const topic = uniqueName('shop');
    const temp = await tempDir('shop-kafka');
    const collect = await startCollect(['--demo-site', '--brokers', brokers, '--topic', topic]);
    const manager = await startJobManager({ stateFile: temp.path('state.json'), env: { CLICKFLOW_LOG_LEVEL: 'warn', CLICKFLOW_TOKEN: undefined } });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const context = await browser.newContext();
      const shop = await context.newPage();
      const pageErrors: string[] = [];
      shop.on('pageerror', (error) => pageErrors.push(error.message));

      await shop.goto(`${collect.url}/shop`);
      // The first page view creates the topic (3 partitions) and is stored: the job can then read it.
      await waitFor(async () => /^clickflow_collector_events_accepted_total [1-9]/m.test(await (await fetch(`${collect.url}/metrics`)).text()), {
        what: 'the first page view in Kafka',
        timeoutMs: 60_000,
        stepMs: 250,
      });
      const submitted = await fetch(`${manager.url}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A minute of out-of-orderness: a click queued offline is never late, whatever the
        // machine's load; the windows fire once the test moves the watermark on (below).
        body: JSON.stringify({ job: 'actions', args: ['--from', 'kafka', '--brokers', brokers, '--topic', topic, '--group', uniqueName('actions'), '--to', 'none', '--max-out-of-orderness', '1m'] }),
      });
      assert.equal(submitted.status, 201, await submitted.clone().text());
      const jobId = ((await submitted.json()) as { id: string }).id;

      const buttons = new ShopButtons(shop);
      await buttons.press(7);
      // Before the batch's 2 s are up: what is queued leaves by beacon, or with the next page.
      await shop.reload();
      await buttons.press(7);
      await context.setOffline(true);
      await shop.waitForFunction(() => !navigator.onLine);
      await buttons.press(6);
      await waitFor(async () => (await queuedEvents(shop)).length >= 6, { what: 'the offline clicks in the queue', timeoutMs: 30_000 });
      await context.setOffline(false);
      // Sent and acknowledged: the collector answers 202 only once Kafka has the events.
      await waitFor(async () => (await queuedEvents(shop)).length === 0, { what: 'an empty queue once back online', timeoutMs: 90_000 });

      // Everything the topic holds, read until it stops growing: copies of a resent batch included.
      let records: ConsumedRecord[] = [];
      await waitFor(async () => {
        const before = records.length;
        records = await consumeAll(brokers, topic, Math.max(before, 20), 60_000);
        return records.length === before && before > 0;
      }, { what: 'the topic to stop growing', timeoutMs: 120_000, stepMs: 1_000 });
      const stored = records.map((record) => ({ record, event: JSON.parse(record.value) as StoredEvent }));
      const byId = new Map<string, { record: ConsumedRecord; event: StoredEvent }[]>();
      for (const copy of stored) byId.set(copy.event.event_id, [...(byId.get(copy.event.event_id) ?? []), copy]);
      for (const [id, copies] of byId) {
        // The collector stamps each delivery's receive time: everything else is the tracker's event.
        const contents = new Set(copies.map(({ event }) => JSON.stringify({ ...event, received_at: undefined })));
        assert.equal(contents.size, 1, `the copies of ${id} differ: ${[...contents].join(' / ')}`);
      }
      const clicks = [...byId.values()].map((copies) => copies[0]!.event).filter((event) => event.event_type === 'click');
      const inTimeOrder = clicks.sort((a, b) => a.event_timestamp - b.event_timestamp);
      assert.deepEqual(inTimeOrder.map((event) => event.action), buttons.pressed, 'every click once, none lost, none added');
      const user = clicks[0]!.user_id;
      assert.ok(stored.every(({ record, event }) => event.user_id === user && record.key === user), 'one user, keyed by user_id');
      assert.equal(new Set(stored.map(({ record }) => record.partition)).size, 1, 'one user\'s events on one partition');
      assert.deepEqual(pageErrors, []);

      // A click two minutes past the last one moves that partition's watermark past every
      // click's window, so each fires; its own window stays open, out of the chart. It is a
      // click because the actions job's windows see only events with an action (its filter
      // comes before its window, and so before the watermark).
      const last = Math.max(...stored.map(({ event }) => event.event_timestamp));
      const tick = await fetch(`${collect.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ event_id: 'later', event_type: 'click', action: 'later_click', user_id: user, url: '/shop', event_timestamp: last + 120 }]),
      });
      assert.equal(tick.status, 202, await tick.text());

      // The job counts what Kafka holds, copies included (it does not drop them by event_id).
      const inKafka = (action: string) => stored.filter(({ event }) => event.action === action).length;
      const live = await browser.newPage();
      await live.goto(`${manager.url}/`);
      await live.waitForFunction(() => window.clickflow.connected, undefined, { timeout: 30_000 });
      const charted = await waitFor(async () => {
        const totals = await live.evaluate((id) => {
          const chart = window.clickflow.charts[id]?.actions;
          if (chart === undefined) return undefined;
          return Object.fromEntries(chart.series.slice(1).map((series, i) => [series.label, chart.data[i + 1]!.reduce<number>((sum, n) => sum + (n ?? 0), 0)]));
        }, jobId);
        return totals !== undefined && totals.add_to_cart === inKafka('add_to_cart') && totals.buy_now === inKafka('buy_now') ? totals : undefined;
      }, { what: 'the live page to chart every click', timeoutMs: 90_000, stepMs: 250 }).catch(async (error: Error) => {
        const seen = await live.evaluate((id) => JSON.stringify(window.clickflow.charts[id] === undefined ? null : window.clickflow.charts[id]!.actions?.data), jobId);
        throw new Error(`${error.message}; the chart holds ${seen}; Kafka holds ${inKafka('add_to_cart')} add_to_cart, ${inKafka('buy_now')} buy_now`);
      });
      // 10 each, plus the copies of a batch stored twice, if any: the chart counts what the job read.
      assert.ok(charted.add_to_cart! >= 10 && charted.buy_now! >= 10, JSON.stringify(charted));
      const job = (await (await fetch(`${manager.url}/jobs/${jobId}`)).json()) as { state: string };
      assert.equal(job.state, 'RUNNING');
    } finally {
      await browser.close();
      const managerCode = await manager.stop();
      const collectCode = await collect.stop();
      await temp.remove();
      assert.equal(managerCode, 0, manager.stderr());
      assert.equal(collectCode, 0, collect.stderr());
    }
  });
});
