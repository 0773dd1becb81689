import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { consumeAll } from './consumeAll.js';
import { runCli } from './runCli.js';

describe('dead letters to Kafka', () => {
  test("more dead letters at once than one request may carry (the broker's 1 MB) all reach the topic, each once", async () => {
    const { brokers } = serviceEnv();
    const topic = uniqueName('many-dead');
    const kafka = new Kafka({ clientId: 'test', brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    // 6000 records of 400 bytes that are not JSON: 2.4 MB, all flushed at the end of one bounded run.
    const count = 6_000;
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      for (let sent = 0; sent < count; sent += 1_000) {
        await producer.send({ topic, messages: Array.from({ length: 1_000 }, (_, i) => ({ value: `${sent + i} ${'x'.repeat(400)}` })) });
      }
      const result = await runCli(['run', 'error-rates', '--from', 'kafka', '--to', 'stdout', '--topic', topic, '--group', uniqueName('many-dead'), '--bounded', '--commit-interval', '1h'], {
        KAFKA_BROKERS: brokers,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, new RegExp(`${count} invalid`));
      const dead = await consumeAll(brokers, `${topic}.dlq`, count);
      assert.equal(dead.length, count);
      assert.equal(new Set(dead.map((d) => d.headers['source.offset'])).size, count, 'each record once');
    } finally {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
