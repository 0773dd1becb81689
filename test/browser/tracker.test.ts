// The tracker on the demo shop in a real browser (Debian's chromium, driven by playwright-core):
// served by a small test server with the shop's routes, whose POST /v1/events records what
// arrives. Clicks across a reload and an offline spell each arrive once, by event_id.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { demoSiteNotFound, demoSiteRoutes } from '../../src/site/demoSiteRoutes.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { queuedEvents, ShopButtons } from './shopPage.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this on CI)`;

type Event = Record<string, unknown> & { event_id: string; event_type: string };

/** The shop's routes, and a collector stand-in that keeps every event it is sent (JSON array, or the beacon's text/plain). */
async function startShopServer(): Promise<{ url: string; events: Event[]; stockNotFound: () => number; server: Server }> {
  const routes = demoSiteRoutes();
  const notFound = demoSiteNotFound();
  const events: Event[] = [];
  let stockNotFound = 0;
  const server = createServer((request, response) => {
    const path = new URL(request.url!, 'http://x').pathname;
    if (request.method === 'POST' && path === '/v1/events') {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const received = JSON.parse(body) as Event[];
        events.push(...received);
        response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: received.length }));
      });
      return;
    }
    const route = routes.get(path);
    if (request.method === 'GET' && route !== undefined) {
      response.writeHead(200, { 'content-type': route.contentType, 'cache-control': 'no-store' }).end(route.body);
      return;
    }
    if (path.startsWith('/shop/api/stock/')) stockNotFound++;
    response.writeHead(404, { 'content-type': notFound.contentType }).end(notFound.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, events, stockNotFound: () => stockNotFound, server };
}

const queuedClicks = async (page: Page) => (await queuedEvents(page)).filter((event) => event.event_type === 'click').length;

describe('the tracker on the demo shop', { skip }, () => {
  test('20 clicks, a reload in the middle, offline and back: each click arrives exactly once; page views carry the page’s status; failed stock checks are http_errors', { timeout: 180_000 }, async () => {
    const shop = await startShopServer();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      const views = () => shop.events.filter((event) => event.event_type === 'page_view');
      const clicks = () => shop.events.filter((event) => event.event_type === 'click');

      await page.goto(`${shop.url}/shop`);
      await waitFor(() => views().length === 1, { what: 'the first page view', timeoutMs: 30_000 });
      const buttons = new ShopButtons(page);
      await buttons.press(7);
      // Reload before the batch's 2 s are up: what is queued leaves by beacon, or with the next page.
      await page.reload();
      await buttons.press(7);
      await context.setOffline(true);
      await buttons.press(6);
      // Offline, the clicks wait in localStorage (the 2 s flush finds the browser offline).
      await page.waitForFunction(() => !navigator.onLine);
      await waitFor(async () => (await queuedClicks(page)) >= 6, { what: 'the offline clicks in the queue', timeoutMs: 30_000 });
      await context.setOffline(false);

      await waitFor(() => clicks().length >= 20, { what: '20 clicks at the collector', timeoutMs: 60_000 });
      // Nothing left to send: a duplicate would have been sent by now.
      await waitFor(async () => (await page.evaluate(() => localStorage.getItem('clickflow.queue'))) === '[]', { what: 'an empty queue', timeoutMs: 30_000 });
      const received = clicks();
      assert.equal(received.length, 20, 'no click twice');
      assert.equal(new Set(received.map((event) => event.event_id)).size, 20, 'each with its own event_id');
      const inTimeOrder = [...received].sort((a, b) => (a.event_timestamp as number) - (b.event_timestamp as number));
      assert.deepEqual(inTimeOrder.map((event) => event.action), buttons.pressed);
      assert.equal(new Set(shop.events.map((event) => event.event_id)).size, shop.events.length, 'no event twice');
      assert.equal(new Set(shop.events.map((event) => event.user_id)).size, 1, 'one user');
      assert.equal(new Set(shop.events.map((event) => event.session_id)).size, 1, 'one session');

      // Both loads of /shop: their page views carry the 200 of the page itself.
      assert.deepEqual(views().map((view) => [view.url, view.http_status]), [['/shop', 200], ['/shop', 200]]);
      // Every fourth stock check asks for a size the server does not have: each 404 is an http_error.
      const httpErrors = shop.events.filter((event) => event.event_type === 'http_error');
      assert.ok(shop.stockNotFound() > 0);
      assert.equal(httpErrors.length, shop.stockNotFound());
      assert.ok(httpErrors.every((event) => event.http_status === 404 && /^\/shop\/api\/stock\/sold-out\.json$/.test(event.url as string)));

      // A link to a page that does not exist: the tracked 404 page reports its own status.
      await page.click('a[href="/shop/sale"]');
      await waitFor(() => views().some((view) => view.http_status === 404), { what: 'the 404 page view', timeoutMs: 30_000 });
      assert.deepEqual(views().at(-1)!.url, '/shop/sale');
      assert.ok(clicks().some((event) => event.action === 'open_sale'), 'the tracked link’s click, sent by beacon as the page left');
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
      shop.server.close();
    }
  });
});
