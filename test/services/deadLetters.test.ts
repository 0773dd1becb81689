import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readDeadLetteredPositions } from '../../src/connectors/kafka/readDeadLetteredPositions.js';
import { ClickflowError } from '../../src/errors/ClickflowError.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { consumeAll } from './consumeAll.js';
import { runCli, startCli } from './runCli.js';
import { withTopic } from './withTopic.js';

describe('dead letters to Kafka', () => {
  test("more dead letters at once than one request may carry (the broker's 1 MB) all reach the topic, each once", async () => {
    // 6000 records of 400 bytes that are not JSON: 2.4 MB, all flushed at the end of one bounded run.
    const count = 6_000;
    await withTopic('many-dead', async ({ brokers, producer, topic }) => {
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
    });
  });

  test('reading a dead-letter topic back finds the highest source offsets, and a cancelled job stops reading', async () => {
    await withTopic('read-back', async ({ kafka, admin, producer, topic }) => {
      const dead = `${topic}.dlq`;
      await admin.createTopics({ topics: [{ topic: dead, numPartitions: 1 }], waitForLeaders: true });
      const headers = (partition: number, offset: number) => ({ 'source.topic': topic, 'source.partition': String(partition), 'source.offset': String(offset) });
      const sinceMs = Date.now() - 60_000;
      await producer.send({
        topic: dead,
        acks: -1,
        messages: [
          { value: 'a', headers: headers(0, 5) },
          { value: 'b', headers: headers(0, 9) },
          { value: 'c', headers: { ...headers(0, 99), 'source.topic': 'another-topic' } },
        ],
      });
      const read = await readDeadLetteredPositions({ kafka, topic: dead, sourceTopic: topic, sinceMs });
      assert.deepEqual([...read], [[0, 9]]);
      // Cancelled before it could read anything: it stops at once, and says it did not finish.
      const controller = new AbortController();
      controller.abort();
      const started = Date.now();
      await assert.rejects(readDeadLetteredPositions({ kafka, topic: dead, sourceTopic: topic, sinceMs, signal: controller.signal }), (error) => error instanceof ClickflowError && /cancelled/.test(error.message));
      assert.ok(Date.now() - started < 30_000, 'not the scan timeout');
    });
  });

  test('a run that fails before its first commit sends no dead letter: the restart sends each once', async () => {
    const group = uniqueName('failed-dead');
    // Every third record is not JSON; the others a second apart, so windows fire and stdout gets lines as they are read.
    const count = 3_000;
    const event = (i: number) => JSON.stringify({ user_id: 'u', url: `/p${i % 7}`, http_status: 500, event_timestamp: 1_735_689_600 + i });
    const values = Array.from({ length: count }, (_, i) => (i % 3 === 0 ? `bad ${i}` : event(i)));
    await withTopic('failed-dead', async ({ brokers, admin, producer, topic }) => {
      await producer.send({ topic, messages: values.map((value) => ({ value })) });
      const args = ['run', 'error-rates', '--from', 'kafka', '--topic', topic, '--group', group, '--dead-letter', `kafka:${topic}.dlq`];
      // Its stdout is closed at the first line (as `| head -1` does), long before the first commit.
      const failed = startCli([...args, '--to', 'stdout', '--commit-interval', '1h'], { KAFKA_BROKERS: brokers });
      failed.child.stdout!.once('data', () => failed.child.stdout!.destroy());
      await failed.done;
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      assert.equal(committed!.partitions[0]!.offset, '-1', 'the failed run committed nothing');
      const again = await runCli([...args, '--to', 'none', '--bounded'], { KAFKA_BROKERS: brokers });
      assert.equal(again.code, 0, again.stderr);
      const invalid = values.filter((v) => v.startsWith('bad')).length;
      const dead = await consumeAll(brokers, `${topic}.dlq`, invalid);
      const [{ high, low }] = await admin.fetchTopicOffsets(`${topic}.dlq`);
      assert.equal(Number(high) - Number(low), invalid, 'the topic holds each invalid record once, no more');
      assert.equal(new Set(dead.map((d) => d.headers['source.offset'])).size, invalid);
    });
  });
});
