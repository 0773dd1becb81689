import { Kafka, logLevel } from 'kafkajs';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';

/** A record as a plain kafkajs consumer read it back. */
export interface ConsumedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
  /** The value as sent, byte for byte (`value` decodes it as UTF-8). */
  readonly bytes: Buffer;
  readonly headers: Record<string, string>;
}

/**
 * Reads `count` records from a topic with a throwaway group, independently of clickflow's source.
 * @param maxBytesPerPartition for topics whose records exceed kafkajs's default fetch size
 */
export async function consumeAll(brokers: string, topic: string, count: number, timeoutMs = 60_000, maxBytesPerPartition?: number): Promise<ConsumedRecord[]> {
  const kafka = new Kafka({ clientId: 'test-reader', brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxBytesPerPartition });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
          records.push({
            partition: batch.partition,
            offset: Number(m.offset),
            key: m.key === null ? null : m.key.toString(),
            value: m.value?.toString() ?? '',
            bytes: m.value ?? Buffer.alloc(0),
            headers,
          });
        }
      },
    });
    await waitFor(() => records.length >= count, { timeoutMs, what: `${count} records from ${topic} (have ${records.length})` });
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
