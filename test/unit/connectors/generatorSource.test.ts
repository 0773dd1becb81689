import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Subscription } from 'rxjs';
import { generatorSource } from '../../../src/connectors/memory/generatorSourceConnector.js';
import { InMemoryTopic } from '../../../src/connectors/memory/InMemoryTopic.js';
import { InMemoryTopicSource } from '../../../src/connectors/memory/InMemoryTopicSource.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { BackpressureGate } from '../../../src/runtime/BackpressureGate.js';
import type { ConnectorContext } from '../../../src/runtime/Connector.js';
import { JobMetrics } from '../../../src/runtime/JobMetrics.js';
import { waitFor } from '../../../src/testing/waitFor.js';
import { clickEvents } from '../../../src/api/clickEvents.js';
import { job } from '../../../src/api/job.js';
import { discardSink } from '../../../src/connectors/discard/discardSinkConnector.js';
import { count } from '../../../src/operators/aggregates/count.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { startJob } from '../../../src/runtime/startJob.js';

/** Subscribes to a source's batches, collecting them. */
function collect(batches: RecordBatch<string | Uint8Array>[], source: { batches: { subscribe(next: (b: RecordBatch<string | Uint8Array>) => void): Subscription } }): Subscription {
  return source.batches.subscribe((batch) => batches.push(batch));
}

describe('InMemoryTopic', () => {
  test('a key always goes to one partition, and offsets count per partition from 0', () => {
    const topic = new InMemoryTopic(3, 1_000);
    const keys = Array.from({ length: 60 }, (_, i) => `url/${i}`);
    const partitions = new Set(keys.map((key) => topic.partitionOf(key)));
    assert.deepEqual([...partitions].sort(), [0, 1, 2], 'sixty keys spread over all three partitions');
    const offsets = new Map<number, number[]>();
    for (const key of [...keys, ...keys]) {
      const partition = topic.partitionOf(key);
      const offset = topic.append(key, `{"url":"${key}"}`);
      offsets.set(partition, [...(offsets.get(partition) ?? []), offset]);
    }
    for (const [partition, list] of offsets) {
      assert.deepEqual(list, list.map((_, i) => i), `partition ${partition}: offsets 0, 1, 2, …`);
      assert.equal(topic.endOffset(partition), list.length);
    }
    const partition = topic.partitionOf('url/7');
    const all = topic.read(partition, 0, 1_000).records;
    assert.deepEqual(all.filter((r) => r === '{"url":"url/7"}').length, 2, 'both records of url/7 are on its partition');
  });

  test('a reader behind the retained records resumes at the oldest one kept', () => {
    const topic = new InMemoryTopic(1, 8);
    for (let i = 0; i < 30; i++) topic.append('k', String(i));
    assert.equal(topic.endOffset(0), 30);
    const read = topic.read(0, 0, 100);
    // At most 8 kept; dropped a quarter at a time, so at least 6.
    assert.ok(read.records.length <= 8 && read.records.length >= 6, `kept ${read.records.length}`);
    assert.equal(read.firstOffset, 30 - read.records.length);
    assert.deepEqual(read.records, Array.from({ length: 30 - read.firstOffset }, (_, i) => String(read.firstOffset + i)));
    assert.deepEqual(topic.read(0, 28, 100), { records: ['28', '29'], firstOffset: 28 });
  });
});

describe('InMemoryTopicSource', () => {
  test('emits each partition in offset order with offsets as positions, also what is appended later, and reports lag', async () => {
    const topic = new InMemoryTopic(3, 10_000);
    for (let i = 0; i < 50; i++) topic.append(`key${i % 7}`, `a${i}`);
    const lags = new Map<number, number>();
    const source = new InMemoryTopicSource({ topic, onLag: (p, lag) => lags.set(p, lag) });
    const batches: RecordBatch<string | Uint8Array>[] = [];
    const subscription = collect(batches, source);
    for (let i = 0; i < 50; i++) topic.append(`key${i % 7}`, `b${i}`);
    const total = () => batches.reduce((n, b) => n + b.records.length, 0);
    await waitFor(() => total() === 100, { what: 'all 100 records', timeoutMs: 10_000 });
    for (let partition = 0; partition < 3; partition++) {
      const mine = batches.filter((b) => b.partition === partition);
      const positions = mine.flatMap((b) => b.positions!);
      assert.deepEqual(positions, positions.map((_, i) => i), `partition ${partition}: positions 0…n in order`);
      assert.deepEqual(mine.flatMap((b) => b.records), topic.read(partition, 0, 1_000).records);
      assert.equal(lags.get(partition) ?? 0, 0, 'caught up: no lag');
    }
    subscription.unsubscribe();
    await source.close();
  });

  test('a closed gate holds reading back until it opens', async () => {
    const topic = new InMemoryTopic(1, 100_000);
    const gate = new BackpressureGate();
    const source = new InMemoryTopicSource({ topic, gate });
    const batches: RecordBatch<string | Uint8Array>[] = [];
    // More than one batch's worth, so that the gate is consulted between reads.
    for (let i = 0; i < 5_000; i++) topic.append('k', String(i));
    gate.close();
    const subscription = collect(batches, source);
    await waitFor(() => batches.length > 0, { what: 'the first batch' });
    await new Promise((resolve) => setImmediate(resolve));
    const whileClosed = batches.length;
    assert.ok(batches.reduce((n, b) => n + b.records.length, 0) < 5_000, 'not everything read while the gate is closed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(batches.length, whileClosed, 'nothing more is read while the gate stays closed');
    gate.open();
    await waitFor(() => batches.reduce((n, b) => n + b.records.length, 0) === 5_000, { what: 'the rest once open' });
    subscription.unsubscribe();
  });
});

describe('generatorSource', () => {
  test('a live clickstream on 3 partitions keyed by URL, stamped with the wall clock, starting in a 503 burst', async () => {
    const metrics = new JobMetrics();
    const context: ConnectorContext = { jobName: 'test', gate: new BackpressureGate(), report: () => {}, metrics };
    const startedMs = Date.now();
    const source = await generatorSource({ ratePerSecond: 2_000, seed: 7 }).open(context);
    const batches: RecordBatch<string | Uint8Array>[] = [];
    const subscription = collect(batches, source);
    const total = () => batches.reduce((n, b) => n + b.records.length, 0);
    await waitFor(() => total() >= 1_000, { what: '1000 generated records', timeoutMs: 20_000 });
    subscription.unsubscribe();
    await source.close!();
    const partitionOfUrl = new Map<string, number>();
    let burst = 0;
    let valid = 0;
    for (const batch of batches) {
      for (const record of batch.records as string[]) {
        let event: { url: string; http_status: number; event_timestamp: number };
        try {
          event = JSON.parse(record);
        } catch {
          continue; // one of the few malformed records, on purpose
        }
        if (typeof event.url !== 'string' || typeof event.http_status !== 'number' || typeof event.event_timestamp !== 'number') continue;
        valid++;
        assert.equal(partitionOfUrl.get(event.url) ?? batch.partition, batch.partition, `${event.url} stays on one partition`);
        partitionOfUrl.set(event.url, batch.partition);
        // Out of order by up to 2 s, a few late by up to 15 s: never in the future.
        const timeMs = event.event_timestamp * 1000;
        assert.ok(timeMs >= startedMs - 16_000 && timeMs <= Date.now() + 1, `event time ${timeMs} is the wall clock's`);
        if (event.http_status === 503) burst++;
      }
    }
    assert.deepEqual(new Set(batches.map((b) => b.partition)), new Set([0, 1, 2]));
    assert.ok(valid > 900, `most records are valid (${valid})`);
    // The first 10 s are a burst: half the events get 503, against about 1 % outside one.
    assert.ok(burst / valid > 0.3, `the burst shows: ${burst} of ${valid} are 503`);
    assert.ok(metrics.consumerLag.size > 0, 'the lag of each partition is reported');
  });
});

describe('generatorSource and a job whose records move', () => {
  test('a job that moves records by key runs over the generator’s 3 partitions: windows fire once every partition passed them', async () => {
    const moving = job('per-user')
      .from(clickEvents())
      .withMaxOutOfOrderness(0)
      .keyBy((e) => e.user_id)
      .window(TumblingEventTimeWindows.of('1s'))
      .aggregate(count())
      .toPoints((w, point) => point('n').intField('n', w.value));
    const handle = startJob(moving, { source: generatorSource({ ratePerSecond: 5_000, seed: 3 }), sink: discardSink() });
    try {
      await waitFor(() => handle.metrics.windowsFired > 0 || handle.status === 'FAILED', { timeoutMs: 60_000 });
      assert.equal(handle.status, 'RUNNING');
      assert.ok(handle.metrics.pointsOut > 0);
    } finally {
      await handle.cancel();
    }
    assert.equal(handle.status, 'CANCELED');
  });
});
