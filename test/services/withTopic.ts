import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';

/** What a test gets from {@link withTopic}. */
export interface TopicContext {
  readonly brokers: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  /** A new topic of one partition. */
  readonly topic: string;
}

/**
 * Runs `body` against the test broker with a new one-partition topic named after `prefix`, a
 * connected admin and producer; afterwards deletes the topic and its `.dlq` and disconnects.
 */
export async function withTopic(prefix: string, body: (context: TopicContext) => Promise<void>): Promise<void> {
  const { brokers } = serviceEnv();
  const topic = uniqueName(prefix);
  const kafka = new Kafka({ clientId: 'test', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await body({ brokers, kafka, admin, producer, topic });
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
  }
}
