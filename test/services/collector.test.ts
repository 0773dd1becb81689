import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { kafkaEventWriter } from '../../src/collector/kafkaEventWriter.js';
import { startCollector, type Collector } from '../../src/collector/startCollector.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { clickEvent, postEvents } from './collectorClient.js';
import { consumeAll } from './consumeAll.js';
import { startCli } from './runCli.js';

describe('the HTTP collector against a real broker', () => {
  const collectors: Collector[] = [];
  const start = async (topic: string, options: Partial<Parameters<typeof startCollector>[0]> = {}) => {
    const collector = await startCollector({ writer: kafkaEventWriter({ brokers: serviceEnv().brokers, topic, partitions: 3 }), port: 0, ...options });
    collectors.push(collector);
    return collector;
  };
  after(async () => {
    await Promise.all(collectors.map((c) => c.close()));
  });

  test('accepted events reach the topic once each, keyed by user_id, with received_at and the user agent; refused ones are reported by index and never stored', async () => {
    const topic = uniqueName('collect');
    const collector = await start(topic);
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const requests = Array.from({ length: 30 }, (_, r) => Array.from({ length: 50 }, (_, i) => clickEvent(users[(r * 50 + i) % users.length]!)));
    // Every fifth request also carries three bad events, at known places.
    const bad = [{ ...clickEvent('x'), http_status: 999 }, 'not an object', { ...clickEvent('y'), user_id: undefined }];
    const bodies = requests.map((events, r) => (r % 5 === 0 ? [bad[0], ...events.slice(0, 10), bad[1], ...events.slice(10), bad[2]] : events));
    const answers = await Promise.all(bodies.map((body, r) => postEvents(collector.url, body, { 'user-agent': `agent-${r}` })));
    for (const [r, answer] of answers.entries()) {
      assert.equal(answer.status, 202, answer.text);
      assert.equal(answer.body.accepted, 50);
      const expected = r % 5 === 0 ? [[0, 'status_out_of_range'], [11, 'not_an_object'], [52, 'missing_field']] : [];
      assert.deepEqual(answer.body.refused!.map((e) => [e.index, e.reason]), expected);
    }
    const sent = requests.flat();
    const records = await consumeAll(serviceEnv().brokers, topic, sent.length, 60_000);
    assert.equal(records.length, sent.length);
    const byId = new Map(records.map((r) => [(JSON.parse(r.value) as { event_id: string }).event_id, r]));
    assert.equal(byId.size, sent.length, 'an event was stored twice');
    const partitionOfUser = new Map<string, number>();
    for (const [r, events] of requests.entries()) {
      for (const event of events) {
        const record = byId.get(event.event_id as string);
        assert.ok(record !== undefined, `event ${String(event.event_id)} is missing`);
        assert.equal(record.key, event.user_id);
        const stored = JSON.parse(record.value) as Record<string, unknown>;
        assert.equal(stored.user_agent, `agent-${r}`);
        assert.ok(Math.abs(Date.parse(stored.received_at as string) - Date.now()) < 120_000, `received_at ${String(stored.received_at)}`);
        assert.deepEqual(Object.keys(stored).sort(), [...Object.keys(event), 'received_at', 'user_agent'].sort(), 'fields were added or lost');
        const partition = partitionOfUser.get(event.user_id as string) ?? record.partition;
        assert.equal(record.partition, partition, 'one user\'s events went to two partitions');
        partitionOfUser.set(event.user_id as string, partition);
      }
    }
    assert.equal(new Set(records.map((r) => r.partition)).size, 3);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`^clickflow_collector_events_accepted_total ${sent.length}$`, 'm'));
    assert.match(metrics, /^clickflow_collector_events_refused_total\{reason="status_out_of_range"\} 6$/m);
    assert.match(metrics, /^clickflow_collector_kafka_send_seconds_count [1-9]/m);
  });

  test('400 for a malformed body, 413 for too large a body or too many events, 429 past the rate limit, 415 for another content type; nothing is echoed unescaped', async () => {
    const collector = await start(uniqueName('collect-limits'), { rateLimit: { requests: 8, windowMs: 60_000 } });
    const malformed = await postEvents(collector.url, '[{"user_id": "<script>alert(1)</script>"');
    assert.equal(malformed.status, 400);
    assert.doesNotMatch(malformed.text, /<script>/);
    assert.equal(malformed.headers.get('x-content-type-options'), 'nosniff');
    const tooLarge = await postEvents(collector.url, JSON.stringify([clickEvent('big', { url: 'x'.repeat(1_100_000) })]));
    assert.equal(tooLarge.status, 413, tooLarge.text);
    const tooMany = await postEvents(collector.url, Array.from({ length: 501 }, () => clickEvent('many')));
    assert.equal(tooMany.status, 413, tooMany.text);
    assert.match(tooMany.body.error!, /at most 500/);
    const wrongType = await postEvents(collector.url, '[]', { 'content-type': 'text/html; <b>' });
    assert.equal(wrongType.status, 415);
    assert.doesNotMatch(wrongType.text, /<b>/);
    const refusedEvent = await postEvents(collector.url, [{ ...clickEvent('u'), http_status: '<img src=x onerror=alert(1)>' }]);
    assert.equal(refusedEvent.status, 202);
    assert.doesNotMatch(refusedEvent.text, /[<>]/);
    assert.match(refusedEvent.body.refused![0]!.detail, /<img/, 'the detail parses back to the text sent');
    // Five requests so far; three more pass, the ninth is over the limit.
    for (let i = 0; i < 3; i++) assert.equal((await postEvents(collector.url, [clickEvent('r')])).status, 202);
    const limited = await postEvents(collector.url, [clickEvent('r')]);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'no Retry-After');
    // Other routes are not rate limited.
    assert.equal((await fetch(`${collector.url}/health`)).status, 200);
  });

  test('CORS: a listed origin gets its preflight and its answers; another origin is refused', async () => {
    const collector = await start(uniqueName('collect-cors'), { allowOrigins: ['https://shop.example'] });
    const preflight = await fetch(`${collector.url}/v1/events`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.match(preflight.headers.get('access-control-allow-methods')!, /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers')!, /content-type/i);
    const posted = await postEvents(collector.url, [clickEvent('c')], { origin: 'https://shop.example' });
    assert.equal(posted.status, 202);
    assert.equal(posted.headers.get('access-control-allow-origin'), 'https://shop.example');
    const foreignPreflight = await fetch(`${collector.url}/v1/events`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(foreignPreflight.status, 403);
    assert.equal(foreignPreflight.headers.get('access-control-allow-origin'), null);
    const foreign = await postEvents(collector.url, [clickEvent('c')], { origin: 'https://evil.example', 'content-type': 'text/plain' });
    assert.equal(foreign.status, 403);
  });

  test('slowloris clients, dribbled bodies and oversized bodies are cut off while a normal client still gets 202s', async () => {
    const topic = uniqueName('collect-hostile');
    const collector = await start(topic, { headersTimeoutMs: 1_500, requestTimeoutMs: 3_000, maxConnections: 200 });
    const { hostname, port } = new URL(collector.url);
    const closedAt: number[] = [];
    const startedAt = Date.now();
    const sockets: Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    const hostile = (first: string, drip: string) => {
      const socket = connect(Number(port), hostname);
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => closedAt.push(Date.now() - startedAt));
      socket.write(first);
      timers.push(setInterval(() => socket.writable && socket.write(drip), 200));
    };
    // Headers one byte at a time, never finished.
    for (let i = 0; i < 60; i++) hostile('POST /v1/events HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'a');
    // Headers complete, a body promised and dribbled.
    for (let i = 0; i < 20; i++) hostile('POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[', ' ');
    const oversized = Promise.all(
      Array.from({ length: 10 }, () => postEvents(collector.url, 'x'.repeat(3 * 1024 * 1024)).then((a) => a.status, (error: Error) => error.message)),
    );
    const normal: number[] = [];
    const sent: string[] = [];
    try {
      while (closedAt.length < sockets.length && Date.now() - startedAt < 30_000) {
        const events = [clickEvent('normal')];
        const answer = await postEvents(collector.url, events);
        normal.push(answer.status);
        if (answer.status === 202) sent.push(events[0]!.event_id as string);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
    }
    assert.equal(closedAt.length, sockets.length, 'the collector left hostile connections open for 30 s');
    assert.ok(Math.max(...closedAt) < 15_000, `a hostile connection lasted ${Math.max(...closedAt)} ms`);
    for (const status of await oversized) assert.ok(status === 413 || /fetch failed|other side closed|reset/i.test(String(status)), `oversized body: ${status}`);
    assert.ok((await oversized).includes(413), 'no oversized body was answered 413');
    assert.ok(normal.length >= 5, `only ${normal.length} normal requests went through`);
    assert.deepEqual(new Set(normal), new Set([202]), `normal client got ${normal.join(',')}`);
    const records = await consumeAll(serviceEnv().brokers, topic, sent.length);
    assert.deepEqual(records.map((r) => (JSON.parse(r.value) as { event_id: string }).event_id).sort(), sent.sort());
  });

  test('clickflow collect takes events into Kafka and stops on SIGTERM with exit 0', async () => {
    const topic = uniqueName('collect-cli');
    const cli = startCli(['collect', '--port', '0', '--topic', topic, '--brokers', serviceEnv().brokers]);
    let out = '';
    cli.child.stdout!.on('data', (chunk: string) => (out += chunk));
    const url = await waitFor(() => /collector at (http:\/\/\S+)\/v1\/events/.exec(out)?.[1], { timeoutMs: 30_000, what: 'the collector\'s address' });
    const events = [clickEvent('cli-1'), clickEvent('cli-2')];
    const answer = await postEvents(url, events.map((e) => JSON.stringify(e)).join('\n'), { 'content-type': 'application/x-ndjson' });
    assert.equal(answer.status, 202, answer.text);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    const records = await consumeAll(serviceEnv().brokers, topic, 2);
    assert.deepEqual(records.map((r) => r.key).sort(), ['cli-1', 'cli-2']);
  });
});
