import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { DEFAULTS } from '../../config/defaults.js';
import { kafkaSecurityConfig, type KafkaSecurity } from './kafkaSecurity.js';
import { installLeanRecordDecoder } from './leanRecordDecoder.js';
import { parseBrokers } from './parseBrokers.js';

/** Options shared by every Kafka client clickflow creates. */
export interface KafkaClientOptions {
  /** Comma-separated `host:port` list, as `--brokers` or `KAFKA_BROKERS` give it. */
  readonly brokers: string;
  readonly clientId: string;
  /** SASL and TLS; none connects to a PLAINTEXT listener. */
  readonly security?: KafkaSecurity;
}

/**
 * A kafkajs client whose own logs go to stderr as one line each, and only at warning level
 * and above: kafkajs logs every retriable hiccup as an error, which would drown the progress line.
 * Its fetches decode records with `leanRecordDecoder`.
 */
export function kafkaClient(options: KafkaClientOptions): Kafka {
  // Before the process's first fetch, which is when kafkajs loads its record decoder.
  installLeanRecordDecoder();
  return new Kafka({
    clientId: options.clientId,
    brokers: parseBrokers(options.brokers),
    ...kafkaSecurityConfig(options.security),
    connectionTimeout: DEFAULTS.kafka.connectionTimeoutMs,
    retry: { ...DEFAULTS.kafka.retry },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, label, log }: LogEntry) => {
        if (process.env.CLICKFLOW_KAFKA_LOGS === '1') {
          process.stderr.write(`kafkajs ${label} [${namespace}] ${log.message}\n`);
        }
      },
  });
}
