import { Kafka, logLevel } from 'kafkajs';

/** Records a topic holds: the sum over its partitions of end − start offsets. */
export async function topicSize(brokers: string, topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'test-topic-size', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}
