import { ConfigError } from '../../errors/ConfigError.js';

/** Kafka's rule for topic names (Topic.validate in the broker): 1–249 of a-z A-Z 0-9 . _ -, not "." or "..". */
const LEGAL = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Checks a topic name as the broker will, before any connection: kafkajs would otherwise
 * send it and report the broker's refusal as an opaque protocol error.
 *
 * @param option the option that named the topic, for the message (`--topic`, `--dead-letter`)
 */
export function validateTopicName(option: string, topic: string): void {
  if (!LEGAL.test(topic) || topic === '.' || topic === '..') {
    throw new ConfigError(
      option,
      `"${topic}" is not a Kafka topic name; use 1 to 249 letters, digits, ".", "_" or "-" (not "." or ".." alone)`,
    );
  }
}
