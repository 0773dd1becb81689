import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { DEFAULTS } from '../../config/defaults.js';
import { ClickflowError } from '../../errors/ClickflowError.js';
import { retryWhileLeadersMove } from './retryWhileLeadersMove.js';

/** Options of {@link readDeadLetteredPositions}. */
export interface ReadDeadLetteredOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** Only records whose `source.topic` header names this topic count. */
  readonly sourceTopic: string;
  /** Read the records written from this wall-clock time on, in epoch ms. */
  readonly sinceMs: number;
  /** Aborted when the job is cancelled: the read stops waiting and rejects (the job is not going to run). */
  readonly signal?: AbortSignal;
}

/**
 * The highest `source.offset` per `source.partition` among the records a dead-letter topic
 * received since `sinceMs`: after a crash, the job re-reads its source from the last commit,
 * and the invalid records among those that are already in the topic must not be sent again.
 *
 * Reads from the offsets the broker gives for that time to the current end, with a throwaway
 * consumer group that commits nothing. A topic that does not exist yet holds nothing.
 */
export async function readDeadLetteredPositions(options: ReadDeadLetteredOptions): Promise<Map<number, number>> {
  const { kafka, topic, sourceTopic, sinceMs, signal } = options;
  const stopped = () => signal?.aborted === true;
  const highest = new Map<number, number>();
  const admin = kafka.admin();
  await admin.connect();
  let starts: { partition: number; offset: string }[];
  let ends: { partition: number; high: string }[];
  try {
    if (!(await admin.listTopics()).includes(topic)) return highest;
    [starts, ends] = await Promise.all([
      retryWhileLeadersMove(() => admin.fetchTopicOffsetsByTimestamp(topic, sinceMs), stopped),
      retryWhileLeadersMove(() => admin.fetchTopicOffsets(topic), stopped),
    ]);
  } finally {
    await admin.disconnect();
  }
  const endOf = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const remaining = new Map(starts.filter((s) => Number(s.offset) < (endOf.get(s.partition) ?? 0)).map((s) => [s.partition, Number(s.offset)]));
  if (remaining.size === 0) return highest;

  const consumer = kafka.consumer({ groupId: `clickflow-dead-letter-scan-${randomBytes(6).toString('hex')}`, allowAutoTopicCreation: false });
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const timer = setTimeout(finished, DEFAULTS.kafka.deadLetterScanTimeoutMs);
  signal?.addEventListener('abort', () => finished(), { once: true });
  if (stopped()) finished();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const headers = message.headers ?? {};
          if (String(headers['source.topic']) === sourceTopic) {
            const partition = Number(String(headers['source.partition']));
            const offset = Number(String(headers['source.offset']));
            if (Number.isSafeInteger(partition) && Number.isSafeInteger(offset) && offset > (highest.get(partition) ?? -1)) highest.set(partition, offset);
          }
        }
        const last = Number(batch.lastOffset());
        if (last + 1 >= (endOf.get(batch.partition) ?? 0)) remaining.delete(batch.partition);
        if (remaining.size === 0) finished();
      },
    });
    for (const [partition, offset] of remaining) consumer.seek({ topic, partition, offset: String(offset) });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
  if (remaining.size > 0 && stopped()) throw new ClickflowError(`the job was cancelled while the dead-letter topic "${topic}" was read back`);
  if (remaining.size > 0) {
    throw new ClickflowError(
      `could not read the dead-letter topic "${topic}" back within ${DEFAULTS.kafka.deadLetterScanTimeoutMs / 1000} s, which the job needs to avoid sending records twice; check the broker and try again`,
      { retriable: true },
    );
  }
  return highest;
}
