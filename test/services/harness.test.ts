import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { InfluxDB } from '@influxdata/influxdb-client';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { consumeAll } from './consumeAll.js';

test('the real Kafka broker takes an idempotent keyed batch and gives it back over three partitions', async () => {
  const { brokers } = serviceEnv();
  const kafka = new Kafka({ clientId: 'test', brokers: [brokers], logLevel: logLevel.NOTHING });
  const topic = uniqueName('harness');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = Array.from({ length: 100 }, (_, i) => ({ key: `key-${i % 7}`, value: `value-${i}` }));
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  const records = await consumeAll(brokers, topic, 100);
  assert.equal(records.length, 100);
  assert.deepEqual(new Set(records.map((r) => r.value)), new Set(messages.map((m) => m.value)));
  const partitionsOfKey = new Map<string, Set<number>>();
  for (const r of records) partitionsOfKey.set(r.key!, (partitionsOfKey.get(r.key!) ?? new Set()).add(r.partition));
  for (const [key, partitions] of partitionsOfKey) assert.equal(partitions.size, 1, `${key} is on partitions ${[...partitions]}`);
  assert.ok(new Set(records.map((r) => r.partition)).size > 1, 'seven keys should spread over more than one partition');
});

test('the real InfluxDB stores line protocol and answers Flux, tag values exactly as sent', async () => {
  const bucket = await InfluxTestBucket.create('harness');
  try {
    const { url, token, org } = bucket.target;
    const writeApi = new InfluxDB({ url, token }).getWriteApi(org, bucket.target.bucket, 'ns');
    const odd = 'a b,c=d\\e/ünïcödé';
    const { escape } = await import('@influxdata/influxdb-client');
    writeApi.writeRecords([
      `probe,tag=${escape.tag(odd)} value=42i 1700000000000000000`,
      `probe,tag=plain value=7i 1700000000000000000`,
    ]);
    await writeApi.close();
    const rows = await bucket.query<{ tag: string; _value: number }>(
      '|> range(start: 0) |> filter(fn: (r) => r._measurement == "probe") |> sort(columns: ["tag"])',
    );
    assert.deepEqual(
      rows.map((r) => [r.tag, r._value]),
      [
        [odd, 42],
        ['plain', 7],
      ],
    );
  } finally {
    await bucket.drop();
  }
});
