import type { Kafka } from 'kafkajs';
import { ConfigError } from '../../errors/ConfigError.js';
import { retryWhileLeadersMove } from './retryWhileLeadersMove.js';
import { validateTopicName } from './validateTopicName.js';

/** Source partitions a moving job reads from Kafka at most: each commit's metadata holds a watermark and an id per writer. */
export const MAX_MOVE_PARTITIONS = 100;

/**
 * The internal topic of each of a job's `moves` moves between partitions, as Kafka Streams
 * names its repartition topics: `<group>-move-<n>-repartition`, so that jobs in other groups
 * never share one.
 */
export function internalTopicNames(groupId: string, moves: number): string[] {
  const names = Array.from({ length: moves }, (_, move) => `${groupId}-move-${move + 1}-repartition`);
  const longest = names.at(-1);
  if (longest !== undefined && longest.length > 249) {
    throw new ConfigError('--group', `is ${groupId.length} characters; a job with ${moves} moves names its internal topics after it (${longest.slice(groupId.length)}), so it may have at most ${249 - (longest.length - groupId.length)}`);
  }
  for (const name of names) validateTopicName('--group', name);
  return names;
}

/** Whether `topic` is one of the internal topics {@link internalTopicNames} names for `groupId`, whatever its move number. */
export function isInternalTopicOf(groupId: string, topic: string): boolean {
  return topic.startsWith(`${groupId}-move-`) && /^[1-9]\d*-repartition$/.test(topic.slice(groupId.length + '-move-'.length));
}

/**
 * Creates the internal topics that do not exist, with the source's partition count (one per
 * writing partition, so that scaling the job is scaling its source), and checks the others
 * have it. Resolves with the source's partition count. Once `signal` is aborted it waits for
 * leaders no longer: the next refusal rejects.
 */
export async function ensureInternalTopics(kafka: Kafka, source: string, topics: readonly string[], signal?: AbortSignal): Promise<number> {
  const stopped = () => signal?.aborted === true;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    // Kafka refuses a topic whose name equals another's once '.' is read as '_' (their metrics collide).
    for (const topic of topics) {
      const collides = [...existing].find((other) => other !== topic && other.replaceAll('.', '_') === topic.replaceAll('.', '_'));
      if (collides !== undefined) {
        throw new ConfigError('--group', `the internal topic "${topic}" would collide with the existing topic "${collides}" (Kafka reads "." and "_" alike in topic names); choose a --group that differs from other groups by more than "." and "_"`);
      }
    }
    const partitionsOf = async (names: string[]) =>
      new Map((await admin.fetchTopicMetadata({ topics: names })).topics.map((t) => [t.name, t.partitions.length]));
    const partitions = (await partitionsOf([source])).get(source)!;
    if (partitions > MAX_MOVE_PARTITIONS) {
      throw new ConfigError(
        '--topic',
        `"${source}" has ${partitions} partitions; a job that moves records by key (keyBy) reads at most ${MAX_MOVE_PARTITIONS} from Kafka for now, since each commit keeps every partition's watermark in Kafka's 4 KiB of commit metadata. ` +
          'Read a topic with fewer partitions, or key the job by the topic\'s own key (keyBy(f, { sourcePartitioned: true }))',
      );
    }
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      // Another instance may create them at the same moment: that one's topics serve as well.
      await admin
        .createTopics({
          // Kept until trimmed below the group's commits, as Kafka Streams keeps its repartition
          // topics: a broker's retention would delete moved records a stopped job still needs.
          topics: missing.map((topic) => ({ topic, numPartitions: partitions, configEntries: [{ name: 'retention.ms', value: '-1' }] })),
          waitForLeaders: true,
        })
        .catch((error: unknown) => {
          if (!(error instanceof Error && /exist/i.test(error.message))) throw error;
        });
    }
    // Created by another instance at the same moment, a topic may not have its leaders yet:
    // its first produce or fetch would be refused (NOT_LEADER_FOR_PARTITION).
    for (let attempt = 0; ; attempt++) {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (metadata.topics.every((t) => t.partitions.every((p) => p.leader >= 0)) || attempt >= 50 || stopped()) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // A leader named in the metadata may still refuse a moment longer: the job starts once every one answers.
    await Promise.all(topics.map((topic) => retryWhileLeadersMove(() => admin.fetchTopicOffsets(topic), stopped)));
    for (const [topic, count] of await partitionsOf([...topics])) {
      if (count !== partitions) {
        throw new ConfigError(
          '--group',
          `internal topic "${topic}" has ${count} partitions and the source "${source}" ${partitions}: the source's partitions changed since the group last ran. ` +
            'Run the job under a new --group, or delete the group\'s *-repartition topics and its commits (kafka-consumer-groups.sh --delete) to start it afresh',
        );
      }
    }
    return partitions;
  } finally {
    await admin.disconnect();
  }
}
