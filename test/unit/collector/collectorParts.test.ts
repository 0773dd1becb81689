import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { acceptEvents } from '../../../src/collector/acceptEvents.js';
import { CollectorUnavailableError } from '../../../src/collector/CollectorUnavailableError.js';
import { CorsPolicy, normalOrigin } from '../../../src/collector/CorsPolicy.js';
import type { EventWriter, KeyedMessage } from '../../../src/collector/EventWriter.js';
import { parseEventsBody } from '../../../src/collector/parseEventsBody.js';
import { RateLimiter } from '../../../src/collector/RateLimiter.js';
import { RefusedRequestError } from '../../../src/collector/RefusedRequestError.js';
import { safeJson } from '../../../src/collector/safeJson.js';
import { startCollector, type Collector } from '../../../src/collector/startCollector.js';
import { WriteQueue } from '../../../src/collector/WriteQueue.js';
import { ClickflowError } from '../../../src/errors/ClickflowError.js';
import { waitFor } from '../../../src/testing/waitFor.js';
import { runCli } from '../cli/cliHarness.js';
import { rawRequest } from '../rawRequest.js';
import { startCollect } from '../../collectProcess.js';

const event = (user: string, extra: Record<string, unknown> = {}) => ({ user_id: user, url: '/p', http_status: 200, event_timestamp: 1_767_225_600, ...extra });
const context = { receivedAt: '2026-12-06T10:00:00.000Z', userAgent: 'Mozilla/5.0 test', keyField: 'user_id' };

describe('parseEventsBody', () => {
  test('reads a JSON array and NDJSON alike; blank lines take no index, a broken line refuses its event alone', () => {
    assert.deepEqual(parseEventsBody(' [{"a":1},2]', 10).values, [{ a: 1 }, 2]);
    assert.deepEqual(parseEventsBody('{\n  "a": 1,\n  "b": [2]\n}\n', 10).values, [{ a: 1, b: [2] }], 'one event over several lines');
    assert.deepEqual(parseEventsBody('{"a":1}\n{"a":2}', 10).values, [{ a: 1 }, { a: 2 }], 'NDJSON of two');
    const ndjson = parseEventsBody('{"a":1}\r\n\n  \n{nope\n\ufeff{"b":2}\n', 10);
    assert.deepEqual(ndjson.values, [{ a: 1 }, undefined, { b: 2 }]);
    assert.deepEqual([...ndjson.lineFailures.keys()], [1]);
    assert.equal(ndjson.lineFailures.get(1)!.reason, 'not_json');
  });

  test('an empty body, an empty array or a broken array is a 400; more events than allowed a 413', () => {
    const status = (body: string, max = 3) => {
      try {
        parseEventsBody(body, max);
        return 'parsed';
      } catch (error) {
        assert.ok(error instanceof RefusedRequestError);
        return error.statusCode;
      }
    };
    assert.equal(status(' \n '), 400);
    assert.equal(status('[]'), 400);
    assert.equal(status('[{"a":1},'), 400);
    assert.equal(status('[1,2,3,4]'), 413);
    assert.equal(status('1\n2\n3\n4'), 413);
    assert.equal(status('1\n2\n3\n\n\n'), 'parsed');
  });
});

describe('acceptEvents', () => {
  test('keys by the key field, stamps received_at over the sender\'s, adds the user agent only when absent, drops eventTimeMs', () => {
    const { messages, refused, bytes } = acceptEvents(
      parseEventsBody(JSON.stringify([event('u1', { received_at: 'forged' }), event('u2', { user_agent: 'own' }), { ...event('u3'), http_status: 700 }]), 10),
      context,
    );
    assert.deepEqual(refused.map((r) => [r.index, r.reason]), [[2, 'status_out_of_range']]);
    assert.deepEqual(messages.map((m) => m.key), ['u1', 'u2']);
    const stored = messages.map((m) => JSON.parse(m.value) as Record<string, unknown>);
    assert.equal(stored[0]!.received_at, context.receivedAt);
    assert.equal(stored[0]!.user_agent, context.userAgent);
    assert.equal(stored[1]!.user_agent, 'own');
    assert.ok(stored.every((e) => !('eventTimeMs' in e)));
    assert.ok(bytes >= messages[0]!.value.length + messages[1]!.value.length);
  });

  test('a key field the event lacks gives a null key; a number is keyed as its text', () => {
    const { messages } = acceptEvents(parseEventsBody(JSON.stringify([event('u1', { shop: 7 }), event('u2')]), 10), { ...context, keyField: 'shop' });
    assert.deepEqual(messages.map((m) => m.key), ['7', null]);
  });
});

describe('answers and policies', () => {
  test('safeJson writes < > & as escapes, and parses back to the same value', () => {
    const value = { detail: '</script><img src=x onerror=alert(1)> & co' };
    const text = safeJson(value);
    assert.doesNotMatch(text, /[<>&]/);
    assert.deepEqual(JSON.parse(text), value);
  });

  test('the rate limiter lets `requests` through per window and address, then says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 10_000, () => now);
    assert.deepEqual([limiter.take('a'), limiter.take('a'), limiter.take('b')], [0, 0, 0]);
    assert.equal(limiter.take('a'), 10);
    now = 4_000;
    assert.equal(limiter.take('a'), 6);
    now = 10_000;
    assert.equal(limiter.take('a'), 0);
  });

  test('CORS: no Origin passes, listed origins and the collector’s own pass, others do not; * lets any through; bad origins are refused with the fix', () => {
    const cors = new CorsPolicy([normalOrigin('https://Shop.Example:8443')]);
    assert.equal(cors.allows(undefined, 'collector:8090'), true);
    assert.equal(cors.allows('https://shop.example:8443', 'collector:8090'), true);
    assert.equal(cors.allows('https://shop.example', 'collector:8090'), false);
    assert.equal(new CorsPolicy(['*']).allows('https://any.example', 'collector:8090'), true);
    // A page the collector serves itself posts with its own origin.
    assert.equal(new CorsPolicy([]).allows('http://Collector:8090', 'collector:8090'), true);
    assert.equal(new CorsPolicy([]).allows('http://collector:8091', 'collector:8090'), false);
    for (const bad of ['shop.example', 'https://shop.example/path', 'ftp://shop.example']) assert.throws(() => normalOrigin(bad), /--allow-origin: .*scheme:\/\/host\[:port\]/);
  });
});

/** A writer whose writes wait until the test lets them through, as Kafka does while it is away. */
class HeldWriter implements EventWriter {
  readonly stored: KeyedMessage[] = [];
  readonly calls: number[] = [];
  private held: { messages: readonly KeyedMessage[]; resolve: () => void; reject: (error: Error) => void }[] = [];
  write(messages: readonly KeyedMessage[]): Promise<void> {
    this.calls.push(messages.length);
    return new Promise((resolve, reject) => this.held.push({ messages, resolve, reject }));
  }
  release(): void {
    for (const h of this.held.splice(0)) {
      this.stored.push(...h.messages);
      h.resolve();
    }
  }
  fail(error: Error): void {
    for (const h of this.held.splice(0)) h.reject(error);
  }
  async close(): Promise<void> {}
}

const limits = { maxBufferBytes: 100, maxBatchBytes: 1_000, ackTimeoutMs: 60_000, retryAfterSeconds: 7, sendRetry: { initialDelayMs: 1, maxDelayMs: 1 } };
const messages = (n: number, prefix: string): KeyedMessage[] => Array.from({ length: n }, (_, i) => ({ key: null, value: `${prefix}${i}` }));
const settled = (promise: Promise<void>) => promise.then(() => 'stored', (error: Error) => error);

describe('WriteQueue', () => {
  test('answers only once the writer stored the events; requests that came meanwhile share the next write', async () => {
    const writer = new HeldWriter();
    const queue = new WriteQueue(writer, limits);
    const first = settled(queue.write(messages(1, 'a'), 10));
    const second = settled(queue.write(messages(2, 'b'), 10));
    const third = settled(queue.write(messages(3, 'c'), 10));
    let answered = false;
    void first.then(() => (answered = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, 'answered before the writer stored the events');
    writer.release();
    assert.equal(await first, 'stored');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writer.calls, [1, 5]);
    writer.release();
    assert.deepEqual([await second, await third], ['stored', 'stored']);
    assert.equal(queue.bufferedEvents, 0);
  });

  test('a full buffer refuses at once with Retry-After; what it took is stored after the writer comes back', async () => {
    const writer = new HeldWriter();
    const queue = new WriteQueue(writer, limits);
    const held = [settled(queue.write(messages(1, 'a'), 60)), settled(queue.write(messages(1, 'b'), 40))];
    const refused = await settled(queue.write(messages(1, 'c'), 1));
    assert.ok(refused instanceof CollectorUnavailableError);
    assert.equal(refused.retryAfterSeconds, 7);
    // A retriable failure (Kafka away) keeps the events; the next try stores them.
    writer.fail(new ClickflowError('broker away', { retriable: true }));
    await waitFor(() => writer.calls.length === 2, { what: 'the write tried again' });
    writer.release();
    await waitFor(() => writer.calls.length === 3 || queue.bufferedEvents === 0, { what: 'the rest written' });
    writer.release();
    assert.deepEqual(await Promise.all(held), ['stored', 'stored']);
    assert.deepEqual(writer.stored.map((m) => m.value).sort(), ['a0', 'b0']);
  });

  test('a request past the ack timeout is answered 503 and its queued events withdrawn, never stored', async () => {
    const writer = new HeldWriter();
    const queue = new WriteQueue(writer, { ...limits, ackTimeoutMs: 50 });
    const inFlight = settled(queue.write(messages(1, 'a'), 10));
    const queued = settled(queue.write(messages(1, 'b'), 10));
    assert.ok((await queued) instanceof CollectorUnavailableError);
    assert.ok((await inFlight) instanceof CollectorUnavailableError);
    writer.release();
    await waitFor(() => queue.bufferedEvents === 0, { what: 'the buffer empty' });
    assert.deepEqual(writer.calls, [1], 'the withdrawn event was written');
    assert.deepEqual(writer.stored.map((m) => m.value), ['a0']);
  });

  test('a writer\'s refusal that is not retriable refuses the batch\'s requests', async () => {
    const writer = new HeldWriter();
    const queue = new WriteQueue(writer, limits);
    const request = settled(queue.write(messages(1, 'a'), 10));
    writer.fail(new ClickflowError('not authorised'));
    assert.ok((await request) instanceof CollectorUnavailableError);
    assert.equal(queue.bufferedEvents, 0);
  });
});

describe('clickflow collect flags', () => {
  test('bad flags exit 2 with their fix, before anything listens', async () => {
    const cases: [string[], RegExp][] = [
      [['--allow-origin', 'https://shop.example/cart'], /not an origin; write scheme:\/\/host\[:port\]/],
      [['--key', 'user id'], /not a field name/],
      [['--port', '70000'], /TCP port/],
      [['--rate-limit', '0'], /at least 1/],
      [['--topic', 'a b'], /not a Kafka topic name/],
      [['--brokers', 'nohost'], /not a broker list/],
      [['--kafka-password', 'secret'], /--kafka-password: a password on the command line/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['collect', ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '', 'it started listening');
    }
  });

  test('a port in use exits 2 and says to pick another', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const result = await runCli(['collect', '--port', String(port)]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`--port: 127\\.0\\.0\\.1:${port} is in use; pick another --port`));
    } finally {
      taken.close();
    }
  });
});

describe('clickflow collect serves pages', () => {
  // No broker: serving a page never touches Kafka (the first POST would connect).
  const noBroker = ['--brokers', '127.0.0.1:1'];
  const get = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  };

  test('--demo-site: /shop and its script, the tracker, the stock API; a missing /shop/ page is the tracked 404 page, other paths the API\'s JSON 404', async () => {
    const collect = await startCollect(['--demo-site', ...noBroker]);
    try {
      const shopLine = new RegExp(`^demo shop at ${collect.url}/shop$`, 'm');
      await waitFor(() => shopLine.exec(collect.stdout()) ?? undefined, { what: 'the demo shop\'s address', timeoutMs: 30_000 });
      const shop = await get(`${collect.url}/shop`);
      assert.equal(shop.status, 200);
      assert.match(shop.type, /^text\/html/);
      assert.match(shop.text, /<script src="\/tracker\.js" async><\/script>/);
      assert.match(shop.text, /data-track="add_to_cart"/);
      const tracker = await get(`${collect.url}/tracker.js`);
      assert.equal(tracker.status, 200);
      assert.match(tracker.type, /^text\/javascript/);
      assert.match(tracker.text, /clickflow\.queue/);
      assert.equal((await get(`${collect.url}/shop/shop.js`)).status, 200);
      assert.deepEqual(JSON.parse((await get(`${collect.url}/shop/api/stock/small.json`)).text), { size: 'small', inStock: true });
      for (const path of ['/shop/sale', '/shop/gift-cards?x=1', '/shop/api/stock/sold-out.json']) {
        const missing = await get(`${collect.url}${path}`);
        assert.equal(missing.status, 404, path);
        assert.match(missing.type, /^text\/html/, path);
        assert.match(missing.text, /<script src="\/tracker\.js"/, `${path}: the 404 page is tracked`);
      }
      const api = await get(`${collect.url}/nope`);
      assert.equal(api.status, 404);
      assert.match(api.text, /no such route; events go to POST \/v1\/events/);
    } finally {
      assert.equal(await collect.stop(), 0, collect.stderr());
    }
  });

  test('without --demo-site: the tracker only; /shop is the API\'s 404', async () => {
    const collect = await startCollect(noBroker);
    try {
      assert.doesNotMatch(collect.stdout(), /demo shop/);
      assert.equal((await get(`${collect.url}/tracker.js`)).status, 200);
      for (const path of ['/shop', '/shop/sale']) {
        const missing = await get(`${collect.url}${path}`);
        assert.equal(missing.status, 404, path);
        assert.match(missing.text, /no such route/, path);
      }
    } finally {
      assert.equal(await collect.stop(), 0, collect.stderr());
    }
  });
});

/** A writer that stores at once. */
class MemoryWriter implements EventWriter {
  readonly stored: KeyedMessage[] = [];
  async write(messages: readonly KeyedMessage[]): Promise<void> {
    this.stored.push(...messages);
  }
  async close(): Promise<void> {}
}

/** One POST to the events route with exactly these headers (fetch sets Host itself and drops Content-Encoding's meaning). */
const post = (url: string, headers: Record<string, string>, body: string | Buffer, path = '/v1/events') =>
  rawRequest(new URL(url).port, 'POST', path, { 'content-length': String(Buffer.byteLength(body)), ...headers }, body);

/** Runs `body` against a collector on a free port that stores into memory, then closes it. */
async function withCollector(options: { allowedHosts?: string[] }, body: (collector: Collector, writer: MemoryWriter) => Promise<void>): Promise<void> {
  const writer = new MemoryWriter();
  const collector = await startCollector({ writer, port: 0, ...options });
  try {
    await body(collector, writer);
  } finally {
    await collector.close();
  }
}

describe('startCollector: what it answers before reading events', () => {
  test('a Host that is not an IP address, a loopback name or an --allowed-host is a 421 (DNS rebinding), and nothing is stored', async () => {
    await withCollector({ allowedHosts: ['events.example.com'] }, async (collector, writer) => {
      const { port } = new URL(collector.url);
      const body = JSON.stringify([event('u1')]);
      const json = { 'content-type': 'text/plain' };
      for (const host of [`evil.example:${port}`, 'localhost.evil.example', '']) {
        const reply = await post(collector.url, { ...json, host, origin: `http://${host}` }, body);
        assert.equal(reply.status, 421, `Host ${host}: ${reply.body}`);
        assert.match(JSON.parse(reply.body).error, /--allowed-host/);
      }
      assert.equal(writer.stored.length, 0);
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `EVENTS.example.com`, `10.0.0.7:${port}`]) {
        const reply = await post(collector.url, { ...json, host }, body);
        assert.equal(reply.status, 202, `Host ${host}: ${reply.body}`);
      }
      assert.equal(writer.stored.length, 4);
    });
  });

  test('a compressed body or another charset than UTF-8 is a 415 that says what to send, not a 202 refusing every event', async () => {
    await withCollector({}, async (collector, writer) => {
      const host = new URL(collector.url).host;
      const body = JSON.stringify([event('u1', { url: '/café' })]);
      const gzip = await post(collector.url, { host, 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(body));
      assert.equal(gzip.status, 415, gzip.body);
      assert.match(JSON.parse(gzip.body).error, /uncompressed/);
      const latin1 = await post(collector.url, { host, 'content-type': 'text/plain; charset=ISO-8859-1' }, Buffer.from(body, 'latin1'));
      assert.equal(latin1.status, 415, latin1.body);
      assert.match(JSON.parse(latin1.body).error, /UTF-8/);
      // The route is the same under any spelling of its path.
      const encodedPath = await post(collector.url, { host, 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(body), '/v1/%65vents');
      assert.equal(encodedPath.status, 415, encodedPath.body);
      assert.equal(writer.stored.length, 0);
      for (const type of ['application/json; charset=utf-8', 'text/plain;charset="UTF-8"', 'application/x-ndjson']) {
        const reply = await post(collector.url, { host, 'content-type': type, 'content-encoding': 'identity' }, body);
        assert.equal(reply.status, 202, `${type}: ${reply.body}`);
      }
      assert.equal(writer.stored.length, 3);
      assert.equal((JSON.parse(writer.stored[0]!.value) as { url: string }).url, '/café');
    });
  });

  test('one event pretty-printed over several lines is one event, not lines refused as not_json', async () => {
    await withCollector({}, async (collector, writer) => {
      const reply = await post(collector.url, { host: new URL(collector.url).host, 'content-type': 'application/json' }, JSON.stringify(event('u1'), null, 2));
      assert.equal(reply.status, 202, reply.body);
      assert.deepEqual(JSON.parse(reply.body), { accepted: 1, refused: [] });
      assert.equal(writer.stored.length, 1);
    });
  });
});
