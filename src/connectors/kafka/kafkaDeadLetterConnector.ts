import { DEFAULTS } from '../../config/defaults.js';
import type { DeadLetterConnector } from '../../runtime/Connector.js';
import { kafkaSecurityConfig, type KafkaSecurity } from './kafkaSecurity.js';
import { kafkaErrorOf } from './kafkaErrorOf.js';
import { parseBrokers } from './parseBrokers.js';
import { validateTopicName } from './validateTopicName.js';

/** Options of {@link kafkaDeadLetters}. */
export interface KafkaDeadLetterSettings {
  /** Default `DEFAULTS.brokers`. */
  readonly brokers?: string;
  /** The dead-letter topic, created when missing. Default `<sourceTopic>.dlq`. */
  readonly topic?: string;
  /** The topic the records came from (the `source.topic` header). Default `DEFAULTS.topic`. */
  readonly sourceTopic?: string;
  /** SASL and TLS, as the source's. Default none. */
  readonly security?: KafkaSecurity;
}

/** Invalid records to a Kafka topic: the original bytes as value, reason and origin as headers. */
export function kafkaDeadLetters(settings: KafkaDeadLetterSettings = {}): DeadLetterConnector {
  const brokers = settings.brokers ?? DEFAULTS.brokers;
  const sourceTopic = settings.sourceTopic ?? DEFAULTS.topic;
  const topic = settings.topic ?? `${sourceTopic}.dlq`;
  parseBrokers(brokers);
  kafkaSecurityConfig(settings.security);
  validateTopicName(settings.topic === undefined ? '--topic' : '--dead-letter', topic);
  return {
    description: `kafka ${topic}`,
    open: async ({ jobName, resume, signal }) => {
      // Imported on open: a run without Kafka never loads kafkajs.
      const [{ KafkaDeadLetterSink }, { kafkaClient }, { readDeadLetteredPositions }] = await Promise.all([
        import('./KafkaDeadLetterSink.js'),
        import('./kafkaClient.js'),
        import('./readDeadLetteredPositions.js'),
      ]);
      const kafka = kafkaClient({ brokers, clientId: `clickflow-${jobName}-dlq`, security: settings.security });
      // Resuming after a crash: what the previous run sent after its last commit is already there.
      const alreadyDeadLettered =
        resume === undefined
          ? undefined
          : await readDeadLetteredPositions({ kafka, topic, sourceTopic, sinceMs: resume.committedAtMs - DEFAULTS.kafka.deadLetterScanSlackMs, signal }).catch(
              (error: unknown) => {
                throw kafkaErrorOf(error, { brokers, topic });
              },
            );
      return new KafkaDeadLetterSink({ kafka, brokers, topic, sourceTopic, alreadyDeadLettered });
    },
  };
}
