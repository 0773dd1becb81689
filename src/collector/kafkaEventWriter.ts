import type { Producer } from 'kafkajs';
import { ensureTopic } from '../connectors/kafka/ensureTopic.js';
import { kafkaClient } from '../connectors/kafka/kafkaClient.js';
import { kafkaErrorOf } from '../connectors/kafka/kafkaErrorOf.js';
import type { KafkaSecurity } from '../connectors/kafka/kafkaSecurity.js';
import type { EventWriter, KeyedMessage } from './EventWriter.js';

/** Where {@link kafkaEventWriter} writes. */
export interface KafkaEventWriterOptions {
  /** `host:port[,…]`, as `--brokers` gives it. */
  readonly brokers: string;
  readonly topic: string;
  readonly security?: KafkaSecurity;
  /** Partitions of the topic when it has to be created. */
  readonly partitions: number;
}

/**
 * The collector's default {@link EventWriter}: an idempotent kafkajs producer, `acks: -1`, one
 * request in flight, so a batch resolves only once every in-sync replica has it, and the
 * producer's own retries (unbounded, as idempotence wants) never duplicate or reorder it. While
 * the broker is away a write waits for it. Connecting (and creating the topic when missing)
 * happens at the first write; a failure there is retriable and tried again at the next.
 */
export function kafkaEventWriter(options: KafkaEventWriterOptions): EventWriter {
  const kafka = kafkaClient({ brokers: options.brokers, clientId: 'clickflow-collector', security: options.security });
  const context = { brokers: options.brokers, topic: options.topic };
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  const connect = (): Promise<Producer> => {
    connecting ??= (async () => {
      await ensureTopic(kafka, options.topic, options.partitions);
      const created = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await created.connect();
      producer = created;
      return created;
    })().catch((error: unknown) => {
      connecting = undefined;
      throw kafkaErrorOf(error, context);
    });
    return connecting;
  };
  return {
    async write(messages: readonly KeyedMessage[]) {
      const connected = await connect();
      try {
        await connected.send({ topic: options.topic, acks: -1, messages: messages as KeyedMessage[] });
      } catch (error) {
        throw kafkaErrorOf(error, context);
      }
    },
    async close() {
      await connecting?.catch(() => undefined);
      await producer?.disconnect();
    },
  };
}
