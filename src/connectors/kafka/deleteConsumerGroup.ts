import type { Kafka } from 'kafkajs';
import { isInternalTopicOf } from './internalTopics.js';
import { kafkaErrorOf } from './kafkaErrorOf.js';

/**
 * Deletes a consumer group that has no members left, then the internal topics its moving jobs
 * made ({@link isInternalTopicOf}): what a finished backfill leaves behind and nothing
 * will read again. A group Kafka does not know (nothing was ever committed) counts as deleted.
 * The group goes first: while it cannot (a member is still in it), its topics stay too.
 */
export async function deleteConsumerGroup(kafka: Kafka, brokers: string, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]).catch((error: unknown) => {
      if (!groupNotFound(error)) throw error;
    });
    const internal = (await admin.listTopics()).filter((topic) => isInternalTopicOf(groupId, topic));
    if (internal.length > 0) await admin.deleteTopics({ topics: internal });
  } catch (error) {
    throw kafkaErrorOf(error, { brokers, group: groupId });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** kafkajs reports a failed DeleteGroups per group, inside `groups` (under its retry wrappers' `cause`), with Kafka's error there. */
function groupNotFound(error: unknown): boolean {
  for (let current = error as { groups?: { error?: { type?: string } }[]; cause?: unknown } | undefined, depth = 0; current !== undefined && depth < 4; depth++) {
    const groups = current.groups;
    if (Array.isArray(groups)) return groups.length > 0 && groups.every((group) => group.error?.type === 'GROUP_ID_NOT_FOUND');
    current = current.cause as typeof current;
  }
  return false;
}
