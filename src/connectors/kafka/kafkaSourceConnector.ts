import { DEFAULTS } from '../../config/defaults.js';
import type { SourceConnector } from '../../runtime/Connector.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { kafkaSecurityConfig, type KafkaSecurity } from './kafkaSecurity.js';
import type { KafkaTimeRange } from './KafkaTimeRange.js';
import { parseBrokers } from './parseBrokers.js';
import { validateTopicName } from './validateTopicName.js';
import { ensureInternalTopics, internalTopicNames } from './internalTopics.js';
import { kafkaErrorOf } from './kafkaErrorOf.js';

/** Options of {@link kafkaSource}; the defaults are beside each. */
export interface KafkaSourceSettings {
  /** `host:port[,…]`. Default `DEFAULTS.brokers` (`localhost:9092`). */
  readonly brokers?: string;
  /** Default `DEFAULTS.topic` (`clickstream`). */
  readonly topic?: string;
  /** Consumer group; instances in one group share the partitions. Default `clickflow-<job name>`. */
  readonly group?: string;
  /** Read each partition up to its end offset as of the start, fire every window, commit, end. Default false. */
  readonly bounded?: boolean;
  /**
   * For a job that moves records by key: wall-clock time without records (and none waiting)
   * after which a source partition stops holding back the watermark after the move, until its
   * next records (Flink's `withIdleness`). Default `DEFAULTS.idleTimeoutMs` (30 s).
   */
  readonly idleTimeoutMs?: number;
  /** SASL and TLS (README, "Kafka security"). Default none: a PLAINTEXT listener. */
  readonly security?: KafkaSecurity;
  /** A backfill: read only this range of record times, bounded. Default: the whole topic. */
  readonly timeRange?: KafkaTimeRange;
}

/**
 * A Kafka topic read by a consumer group, each partition with its own watermark and windows;
 * offsets are committed with checkpoints once the outputs are flushed (README, "Commits and restarts").
 */
export function kafkaSource(settings: KafkaSourceSettings = {}): SourceConnector {
  const brokers = settings.brokers ?? DEFAULTS.brokers;
  const topic = settings.topic ?? DEFAULTS.topic;
  // Checked here, before the job starts: a bad name must not cost an output file its contents.
  parseBrokers(brokers);
  kafkaSecurityConfig(settings.security);
  validateTopicName('--topic', topic);
  if (settings.group !== undefined && settings.group.trim() === '') {
    throw new ConfigError('--group', 'must not be empty; name the consumer group, e.g. clickflow-error-rates');
  }
  return {
    description: `kafka ${topic}`,
    resumesFromCommits: true,
    open: async ({ jobName, gate, report, metrics, moves = 0, fingerprint, signal }) => {
      const groupId = settings.group ?? `clickflow-${jobName}`;
      const internalTopics = internalTopicNames(groupId, moves);
      // Imported on open: kafkajs costs a file-to-file run ~0.1 s of CPU at start-up.
      const [{ KafkaSource }, { kafkaClient }, { KafkaMoveTransport }] = await Promise.all([
        import('./KafkaSource.js'),
        import('./kafkaClient.js'),
        import('./KafkaMoveTransport.js'),
      ]);
      const kafka = kafkaClient({ brokers, clientId: groupId, security: settings.security });
      let transport: InstanceType<typeof KafkaMoveTransport> | undefined;
      if (moves > 0) {
        const partitions = await ensureInternalTopics(kafka, topic, internalTopics, signal).catch((error: unknown) => {
          throw error instanceof ConfigError ? error : kafkaErrorOf(error, { brokers, topic, topicIsInput: true, group: groupId });
        });
        transport = new KafkaMoveTransport({ kafka, brokers, topics: internalTopics, partitions, gate });
        report('info', 'records move by key through internal topics', { topics: internalTopics, partitions });
      }
      const source = new KafkaSource({
        kafka,
        ...(transport === undefined ? {} : { internal: { topics: internalTopics, partitions: transport.partitions }, transport }),
        brokers,
        topic,
        groupId,
        bounded: settings.bounded === true || settings.timeRange !== undefined,
        ...(settings.timeRange === undefined ? {} : { timeRange: settings.timeRange }),
        idleTimeoutMs: settings.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
        ...(fingerprint === undefined ? {} : { fingerprint }),
        gate,
        onAssignment: (partitions) => report('info', 'partitions assigned', { topic, group: groupId, partitions }),
        onWaiting: ({ source: sourcePartitions, internal }) =>
          report('info', 'bounded run waiting for partitions held by other members of the group to end (an unbounded member never ends them)', {
            group: groupId,
            sourcePartitions,
            internalPartitions: internal,
          }),
        onLag: (partition, lag) => metrics.consumerLag.set(partition, lag),
      });
      // Reached and the topic found before any output opens.
      try {
        await source.connect();
      } catch (error) {
        await source.close();
        throw error;
      }
      return source;
    },
  };
}
