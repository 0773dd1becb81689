import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstValueFrom } from 'rxjs';
import { KafkaSource } from '../../src/connectors/kafka/KafkaSource.js';
import type { RecordBatch } from '../../src/operators/RecordBatch.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { startCli } from './runCli.js';
import { withTopic } from './withTopic.js';

const T0 = 1_735_689_600; // 2025-01-01T00:00:00Z

describe('what a Kafka commit records', () => {
  test('a partition is committed again when its replay boundary moves, even while an open window holds its offset', async () => {
    const group = uniqueName('commits');
    await withTopic('commits', async ({ brokers, admin, producer, topic }) => {
      const send = (values: string[]) => producer.send({ topic, messages: values.map((value) => ({ value })) });
      const committed = async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        const p = offsets!.partitions[0]!;
        return { offset: Number(p.offset), replayUntil: p.metadata === null ? undefined : (JSON.parse(p.metadata) as { r: number }).r };
      };
      // Every event falls in one 10 s window that never fires: the safe offset stays 0.
      const event = JSON.stringify({ user_id: 'u', url: '/a', http_status: 200, event_timestamp: T0 + 1 });
      await send([event, 'not json', event]);
      const run = startCli(['run', 'error-rates', '--from', 'kafka', '--to', 'stdout', '--topic', topic, '--group', group, '--commit-interval', '200ms', '-q'], {
        KAFKA_BROKERS: brokers,
      });
      try {
        await waitFor(async () => (await committed()).replayUntil === 3, { timeoutMs: 60_000, stepMs: 100, what: 'the first commit' });
        await send(['not json either', event]);
        const second = await waitFor(
          async () => {
            const c = await committed();
            return c.replayUntil === 5 ? c : undefined;
          },
          { timeoutMs: 60_000, stepMs: 100, what: 'a commit of the new replay boundary' },
        );
        assert.equal(second.offset, 0, 'the open window still needs offset 0');
      } finally {
        run.child.kill('SIGTERM');
        assert.equal((await run.done).code, 0);
      }
    });
  });

  test("a fresh group's partition is committed where it started, with the marks given: a restart from there resumes the outputs and reads that partition as new", async () => {
    const group = uniqueName('starts');
    await withTopic('starts', async ({ brokers, kafka, admin, producer, topic }) => {
      const sourceOf = () => new KafkaSource({ kafka, brokers, topic, groupId: group, bounded: false });
      const firstBatch = (source: KafkaSource) => firstValueFrom(source.batches) as Promise<RecordBatch<Uint8Array>>;
      // Offsets 0-2 are gone by the time the group first reads: it starts at 3.
      await producer.send({ topic, messages: ['a', 'b', 'c', 'd', 'e'].map((value) => ({ value })) });
      await admin.fetchTopicOffsets(topic); // kafkajs finds the partition's leader for a deletion only once its metadata holds the topic
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] });

      const first = sourceOf();
      try {
        assert.equal(await first.resumePoint(), undefined, 'a fresh group has no resume point');
        const batch = await firstBatch(first);
        assert.equal(batch.restore, null, 'read as new');
        assert.deepEqual(batch.positions, [3, 4]);
        assert.equal(first.uncommittedStarts(), 1);
        await first.commitStarts({ takenAtMs: 1_700_000_000_000, outputBytes: { 'file:/out.lp': 12 } });
        assert.equal(first.uncommittedStarts(), 0, 'committed once');
      } finally {
        await first.close();
      }
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      assert.equal(committed!.partitions[0]!.offset, '3', 'committed at its first record');

      const again = sourceOf();
      try {
        const resume = await again.resumePoint();
        assert.equal(resume?.committedAtMs, 1_700_000_000_000);
        assert.deepEqual([...resume!.outputBytes], [['file:/out.lp', 12]]);
        const batch = await firstBatch(again);
        assert.deepEqual(batch.restore, { maxTimestampMs: -Infinity, replayUntil: 3 }, 'nothing to replay, no watermark yet: as new');
        assert.deepEqual(batch.positions, [3, 4]);
        assert.equal(again.uncommittedStarts(), 0, 'a partition restored from a commit has its start committed');
      } finally {
        await again.close();
      }
    });
  });
});
