import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FakeBrowser, TRACKER_PATH } from './fakeBrowser.js';

const ids = (events: Record<string, unknown>[]) => events.map((event) => event.event_id as string);
const clicksOf = (events: Record<string, unknown>[]) => events.filter((event) => event.event_type === 'click');

describe('the browser tracker', () => {
  test('is small: under 3 KB gzipped, and a classic script without imports', () => {
    const source = readFileSync(TRACKER_PATH);
    assert.ok(gzipSync(source, { level: 9 }).length < 3 * 1024, `${gzipSync(source, { level: 9 }).length} bytes gzipped`);
    assert.doesNotMatch(source.toString(), /^\s*(import|export)\b/m);
  });

  test('a page view with the page’s own status, then clicks on [data-track] elements, batched every 2 s', async () => {
    const browser = new FakeBrowser();
    const page = browser.open({ status: 404, pathname: '/shop/missing' });
    page.click('add_to_cart');
    page.click(); // not tracked
    page.click('buy_now');
    await browser.advance(1999);
    assert.equal(browser.posts.length, 0, 'nothing before 2 s');
    await browser.advance(1);
    assert.equal(browser.posts.length, 1);
    const [view, add, buy] = browser.posts[0]!.events;
    assert.equal(browser.posts[0]!.url, 'https://collect.example/v1/events', 'the collector is the origin of the script');
    assert.deepEqual({ type: view!.event_type, status: view!.http_status, url: view!.url }, { type: 'page_view', status: 404, url: '/shop/missing' });
    assert.deepEqual([add!.action, buy!.action], ['add_to_cart', 'buy_now']);
    assert.equal(add!.http_status, undefined, 'a click has no status');
    assert.equal(add!.event_timestamp, browser.nowMs / 1000 - 2);
    for (const event of [view, add, buy]) {
      assert.match(event!.event_id as string, /^[0-9a-f-]{36}$/);
      assert.equal(event!.user_id, view!.user_id);
      assert.equal(event!.session_id, view!.session_id);
    }
    assert.equal(new Set(ids(browser.posts[0]!.events)).size, 3);
    assert.deepEqual(page.queued(), [], 'acknowledged events leave the queue');
  });

  test('20 events leave at once, without waiting for the 2 s', async () => {
    const browser = new FakeBrowser();
    const page = browser.open();
    for (let i = 0; i < 18; i++) page.click('add_to_cart');
    await browser.advance(0);
    assert.equal(browser.posts.length, 0);
    page.click('buy_now');
    await browser.advance(0);
    assert.equal(browser.posts.length, 1);
    assert.equal(browser.posts[0]!.events.length, 20);
  });

  test('the user id stays across page loads; the session id too, until 30 minutes without an event', async () => {
    const browser = new FakeBrowser();
    browser.open();
    await browser.advance(2000);
    browser.open();
    await browser.advance(29 * 60_000);
    browser.open();
    await browser.advance(31 * 60_000);
    browser.open();
    await browser.advance(2000);
    const views = browser.posts.flatMap((post) => post.events);
    assert.equal(views.length, 4);
    assert.equal(new Set(views.map((view) => view.user_id)).size, 1);
    assert.deepEqual(views.map((view) => view.session_id === views[0]!.session_id), [true, true, true, false]);
  });

  test('a refused batch is retried with growing delays (and Retry-After), then leaves the queue once acknowledged', async () => {
    const browser = new FakeBrowser();
    browser.answers.push({ status: 503 }, 'network-error', { status: 429, retryAfter: 10 });
    const page = browser.open();
    page.click('buy_now');
    await browser.advance(2000);
    assert.equal(browser.posts.length, 1, 'the first try, refused');
    assert.equal(page.queued().length, 2, 'still queued');
    await browser.advance(1000); // first retry within 0.5–1 s: a network error
    await browser.advance(2000); // second within 1–2 s: 429 asking for 10 s
    assert.equal(browser.posts.length, 2);
    // The 429 came at a jittered moment: Retry-After counts from there.
    const refusedAtMs = browser.posts[1]!.atMs!;
    await browser.advance(refusedAtMs + 10_000 - 1 - browser.nowMs);
    assert.equal(browser.posts.length, 2, 'Retry-After is honoured');
    await browser.advance(1);
    assert.equal(browser.posts.length, 3);
    assert.deepEqual(page.queued(), []);
    assert.deepEqual(ids(browser.delivered()), ids(browser.posts[0]!.events), 'the same events, delivered once');
    await browser.advance(120_000);
    assert.equal(browser.posts.length, 3, 'nothing is sent again');
  });

  test('offline: events wait in localStorage across a reload, and leave once the browser is online', async () => {
    const browser = new FakeBrowser();
    const first = browser.open();
    first.click('add_to_cart');
    await browser.advance(2000);
    browser.online = false;
    first.click('buy_now');
    await browser.advance(5000);
    first.dispatch('pagehide');
    assert.equal(browser.beacons.length, 0, 'no beacon offline');
    const second = browser.open();
    second.click('add_to_cart');
    await browser.advance(60_000);
    assert.equal(second.queued().length, 3, 'buy_now, the second page view and its click');
    browser.online = true;
    second.dispatch('online');
    await browser.advance(0);
    const delivered = browser.delivered();
    assert.deepEqual(clicksOf(delivered).map((event) => event.action), ['add_to_cart', 'buy_now', 'add_to_cart']);
    assert.equal(new Set(ids(delivered)).size, delivered.length, 'each once');
    assert.deepEqual(second.queued(), []);
  });

  test('leaving the page sends what is queued by beacon, and the next page does not send it again', async () => {
    const browser = new FakeBrowser();
    const first = browser.open();
    first.click('add_to_cart');
    first.dispatch('pagehide');
    assert.deepEqual(browser.beacons[0]!.events.map((event) => event.event_type), ['page_view', 'click']);
    assert.equal(browser.beacons[0]!.url, 'https://collect.example/v1/events');
    browser.open();
    await browser.advance(2000);
    assert.deepEqual(browser.posts.flatMap((post) => post.events).map((event) => event.event_type), ['page_view']);
    assert.equal(new Set(ids(browser.delivered())).size, 3);
  });

  test('a refused beacon leaves the events queued for the next page', async () => {
    const browser = new FakeBrowser();
    browser.beaconAccepted = false;
    const first = browser.open();
    first.click('buy_now');
    first.dispatch('pagehide');
    browser.open();
    await browser.advance(2000);
    assert.deepEqual(clicksOf(browser.delivered()).map((event) => event.action), ['buy_now']);
  });

  test('the queue is bounded: offline for long, the oldest events go', async () => {
    const browser = new FakeBrowser();
    browser.online = false;
    const page = browser.open();
    for (let i = 0; i < 1200; i++) page.click(`a${i}`);
    const queued = page.queued();
    assert.equal(queued.length, 1000);
    assert.equal(queued.at(-1)!.action, 'a1199');
    assert.equal(queued[0]!.action, 'a200');
  });

  test('storage that refuses writes: events are kept in memory and still sent', async () => {
    const browser = new FakeBrowser();
    browser.localStorage.full = true;
    browser.sessionStorage.full = true;
    const page = browser.open();
    page.click('add_to_cart');
    await browser.advance(2000);
    assert.deepEqual(browser.delivered().map((event) => event.event_type), ['page_view', 'click']);
  });

  test('a failed fetch of the page is an http_error event with its status; the tracker’s own posts are not', async () => {
    const browser = new FakeBrowser();
    browser.answers.push({ status: 503 });
    const page = browser.open();
    page.pageFetchStatus = 500;
    const response = await page.fetch('/api/stock?sku=1', { method: 'post' });
    assert.equal(response.status, 500, 'the page gets its answer');
    page.pageFetchStatus = 200;
    await page.fetch('/api/ok');
    await browser.advance(2000); // the collector answers 503: not an http_error of the page
    await browser.advance(1000);
    const errors = browser.delivered().filter((event) => event.event_type === 'http_error');
    assert.deepEqual(errors.map((event) => [event.url, event.method, event.http_status]), [['/api/stock', 'POST', 500]]);
  });

  test('data-collector names another collector', async () => {
    const browser = new FakeBrowser();
    browser.open({ collector: 'https://events.example/' });
    await browser.advance(2000);
    assert.equal(browser.posts[0]!.url, 'https://events.example/v1/events');
  });
});
