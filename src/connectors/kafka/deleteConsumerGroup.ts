import type { Kafka } from 'kafkajs';
import { kafkaErrorOf } from './kafkaErrorOf.js';

/**
 * Deletes a consumer group that has no members left, with the internal topics its moving jobs
 * made (`<group>-move-<n>-repartition`): what a finished backfill leaves behind and nothing
 * will read again. Resolves with the topics deleted.
 */
export async function deleteConsumerGroup(kafka: Kafka, brokers: string, groupId: string): Promise<string[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const prefix = `${groupId}-move-`;
    const internal = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix) && /^\d+-repartition$/.test(topic.slice(prefix.length)));
    if (internal.length > 0) await admin.deleteTopics({ topics: internal });
    await admin.deleteGroups([groupId]);
    return internal;
  } catch (error) {
    throw kafkaErrorOf(error, { brokers, group: groupId });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
