import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kafkaEventWriter } from '../../src/collector/kafkaEventWriter.js';
import { startCollector, type Collector } from '../../src/collector/startCollector.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { startOwnKafka, type OwnKafka } from '../faults/ownServices.js';
import { clickEvent, postEvents, type CollectorAnswer } from './collectorClient.js';
import { consumeAll } from './consumeAll.js';

const EVENTS_PER_REQUEST = 10;

describe('the collector while its Kafka broker is down', () => {
  let kafka: OwnKafka;
  let dispose: (() => Promise<void>) | undefined;
  let collector: Collector | undefined;

  before(async () => {
    ({ kafka, dispose } = await startOwnKafka());
  });
  after(async () => {
    await collector?.close();
    await dispose?.();
  });

  test('holds requests in its bounded buffer, answers 503 with Retry-After once it is full, and stores every acknowledged event once after the broker is back', async (t) => {
    const topic = uniqueName('collect-outage');
    collector = await startCollector({
      writer: kafkaEventWriter({ brokers: kafka.brokers, topic, partitions: 3 }),
      port: 0,
      maxBufferBytes: 20_000,
      // Longer than the outage: every request the buffer took waits for the broker.
      ackTimeoutMs: 180_000,
      retryAfterSeconds: 3,
    });
    const warmUp = [clickEvent('before')];
    assert.equal((await postEvents(collector.url, warmUp)).status, 202);

    await kafka.stop();
    const held: { events: Record<string, unknown>[]; answer: Promise<CollectorAnswer> }[] = [];
    let refused: { events: Record<string, unknown>[]; answer: CollectorAnswer } | undefined;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      const events = Array.from({ length: EVENTS_PER_REQUEST }, (_, j) => clickEvent(`user-${(i * EVENTS_PER_REQUEST + j) % 17}`));
      const answer = postEvents(collector.url, events);
      // A full buffer answers at once; a request it took waits for the broker.
      const quick = await Promise.race([answer, new Promise<undefined>((resolve) => setTimeout(resolve, 300, undefined))]);
      if (quick === undefined) held.push({ events, answer });
      else refused = { events, answer: quick };
    }
    assert.ok(refused !== undefined, 'the buffer never filled');
    assert.equal(refused.answer.status, 503, refused.answer.text);
    assert.equal(refused.answer.headers.get('retry-after'), '3');
    assert.ok(held.length >= 5, `only ${held.length} requests were held`);
    const health = (await (await fetch(`${collector.url}/health`)).json()) as { buffered_events: number };
    assert.equal(health.buffered_events, held.length * EVENTS_PER_REQUEST);
    assert.match(await (await fetch(`${collector.url}/metrics`)).text(), /^clickflow_collector_buffer_fill_ratio 0\.[89]\d*$/m);

    await kafka.restart();
    const answers = await Promise.all(held.map((h) => h.answer));
    for (const answer of answers) assert.equal(answer.status, 202, answer.text);
    t.diagnostic(`${held.length} requests held during the outage, then acknowledged`);

    const acknowledged = [...warmUp, ...held.flatMap((h) => h.events)].map((e) => e.event_id as string);
    const records = await consumeAll(kafka.brokers, topic, acknowledged.length, 120_000);
    const stored = records.map((r) => (JSON.parse(r.value) as { event_id: string }).event_id);
    assert.equal(new Set(stored).size, stored.length, 'an event was stored twice');
    assert.deepEqual([...stored].sort(), [...acknowledged].sort());
    for (const event of refused.events) assert.ok(!stored.includes(event.event_id as string), 'an event answered 503 was stored');
  });
});
