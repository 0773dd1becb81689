import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventFeed } from '../../../src/connectors/memory/EventFeed.js';
import { generatorSource } from '../../../src/connectors/memory/generatorSourceConnector.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { BackpressureGate } from '../../../src/runtime/BackpressureGate.js';
import { JobMetrics } from '../../../src/runtime/JobMetrics.js';
import { waitFor } from '../../../src/testing/waitFor.js';

const message = (i: number) => ({ key: `user-${i % 3}`, value: JSON.stringify({ event_id: `e${i}` }) });

describe('EventFeed', () => {
  test('events pushed before the source subscribed wait for it, the newest maxWaiting of them, in order; later ones go straight to it', () => {
    const feed = new EventFeed(3);
    feed.push([message(0), message(1)]);
    feed.push([message(2), message(3)]);
    const got: string[] = [];
    const stop = feed.subscribe((messages) => got.push(...messages.map((m) => m.value)));
    assert.deepEqual(got, [1, 2, 3].map((i) => message(i).value), 'the oldest went first');
    feed.push([message(4)]);
    assert.equal(got.at(-1), message(4).value);
    stop();
    feed.push([message(5)]);
    assert.equal(got.length, 4, 'nothing after unsubscribing');
  });

  test('the generator source appends the feed\'s events to its topic beside the generated ones', async () => {
    const feed = new EventFeed(100);
    const source = generatorSource({ ratePerSecond: 1, seed: 1, collected: feed });
    const opened = await source.open({ jobName: 'test', gate: new BackpressureGate(), report: () => {}, metrics: new JobMetrics() });
    const records: string[] = [];
    const subscription = opened.batches.subscribe((batch: RecordBatch<string | Uint8Array>) => records.push(...batch.records.map(String)));
    try {
      feed.push([message(0), message(1), message(2)]);
      await waitFor(() => [0, 1, 2].every((i) => records.includes(message(i).value)), { what: 'the fed events in the topic', timeoutMs: 10_000 });
    } finally {
      subscription.unsubscribe();
      await opened.close?.();
    }
  });
});
