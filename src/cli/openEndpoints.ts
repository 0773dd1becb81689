import type { Kafka } from 'kafkajs';
import { FileDeadLetterSink } from '../connectors/file/FileDeadLetterSink.js';
import { fileSource } from '../connectors/file/fileSource.js';
import { WritableLineSink } from '../connectors/file/WritableLineSink.js';
import { InfluxSink } from '../connectors/influx/InfluxSink.js';
import { validateInfluxTarget, type InfluxTarget } from '../connectors/influx/InfluxTarget.js';
import { KafkaDeadLetterSink } from '../connectors/kafka/KafkaDeadLetterSink.js';
import { kafkaClient, parseBrokers } from '../connectors/kafka/kafkaClient.js';
import { KafkaSource } from '../connectors/kafka/KafkaSource.js';
import { validateTopicName } from '../connectors/kafka/validateTopicName.js';
import { ConfigError } from '../errors/ConfigError.js';
import { logger } from '../logging/logger.js';
import type { BackpressureGate } from '../runtime/BackpressureGate.js';
import type { DeadLetterSink } from '../runtime/DeadLetterSink.js';
import type { LineSink } from '../runtime/LineSink.js';
import type { Source } from '../runtime/Source.js';
import type { Endpoint } from './Endpoint.js';

/** Kafka settings of a run, used when an endpoint is `kafka`. */
export interface KafkaSettings {
  readonly brokers: string;
  readonly topic: string;
  readonly group: string;
  readonly bounded: boolean;
}

/**
 * Opens the endpoints a run names; one Kafka client is shared by the source and the dead-letter
 * topic. Constructing a file sink creates or truncates its file, so callers check everything
 * first (`checkSettings`, `checkFileEndpoints`, `connect`) and open the outputs last.
 */
export class OpenEndpoints {
  private kafka: Kafka | undefined;

  constructor(
    private readonly kafkaSettings: KafkaSettings,
    private readonly influx: Partial<InfluxTarget>,
    private readonly gate: BackpressureGate,
  ) {}

  /** Checks the InfluxDB and Kafka settings the endpoints need, without connecting. */
  checkSettings(source: Endpoint, sink: Endpoint, deadLetters: Endpoint | undefined): void {
    if (sink.kind === 'influx') validateInfluxTarget(this.influx);
    if (source.kind === 'kafka' || deadLetters?.kind === 'kafka') parseBrokers(this.kafkaSettings.brokers);
    if (source.kind === 'kafka') {
      validateTopicName('--topic', this.kafkaSettings.topic);
      if (this.kafkaSettings.group.trim() === '') throw new ConfigError('--group', 'must not be empty; name the consumer group, e.g. clickflow-error-rates');
      // The default dead-letter topic, <topic>.dlq, must be a legal name too.
      if (deadLetters === undefined) validateTopicName('--topic', `${this.kafkaSettings.topic}.dlq`);
    }
    if (deadLetters?.kind === 'kafka' && deadLetters.topic !== undefined) validateTopicName('--dead-letter', deadLetters.topic);
  }

  source(endpoint: Endpoint): Source {
    if (endpoint.kind === 'kafka') {
      const { brokers, topic, group, bounded } = this.kafkaSettings;
      return new KafkaSource({
        kafka: this.kafkaClient(),
        brokers,
        topic,
        groupId: group,
        bounded,
        gate: this.gate,
        onAssignment: (partitions) => logger.info({ topic, group, partitions }, 'partitions assigned'),
      });
    }
    if (endpoint.kind === 'stdin') {
      return {
        batches: fileSource({ path: '-', gate: this.gate }),
        // A run stopped by a signal leaves stdin open (a terminal, a producer still writing),
        // and an open stdin would keep the process alive after the run.
        close: async () => {
          process.stdin.destroy();
        },
      };
    }
    return { batches: fileSource({ path: endpoint.kind === 'file' ? endpoint.path : '-', gate: this.gate }) };
  }

  /** Resolves once the source is reachable (Kafka: connected, topic found); a file was checked before. */
  async connect(source: Source): Promise<void> {
    if (source instanceof KafkaSource) await source.connect();
  }

  sink(endpoint: Endpoint): LineSink {
    if (endpoint.kind === 'influx') {
      return new InfluxSink({
        target: validateInfluxTarget(this.influx),
        gate: this.gate,
        onRetry: (message) => logger.warn(message),
      });
    }
    return new WritableLineSink(endpoint.kind === 'file' ? { path: endpoint.path, option: '--to' } : 'stdout', this.gate);
  }

  /** Late records as JSON lines, when `--late-output` names a file. */
  lateOutput(endpoint: Endpoint | undefined): WritableLineSink | undefined {
    return endpoint?.kind === 'file' ? new WritableLineSink({ path: endpoint.path, option: '--late-output' }) : undefined;
  }

  /** Dead letters: as asked, else a Kafka source's `<topic>.dlq`, else none (counted only). */
  deadLetters(endpoint: Endpoint | undefined, source: Endpoint): DeadLetterSink | undefined {
    if (endpoint?.kind === 'file') return new FileDeadLetterSink(endpoint.path);
    if (endpoint?.kind === 'kafka' || (endpoint === undefined && source.kind === 'kafka')) {
      const { brokers, topic } = this.kafkaSettings;
      return new KafkaDeadLetterSink({
        kafka: this.kafkaClient(),
        brokers,
        topic: endpoint?.kind === 'kafka' && endpoint.topic !== undefined ? endpoint.topic : `${topic}.dlq`,
        sourceTopic: topic,
      });
    }
    return undefined;
  }

  private kafkaClient(): Kafka {
    this.kafka ??= kafkaClient({ brokers: this.kafkaSettings.brokers, clientId: `clickflow-${this.kafkaSettings.group}` });
    return this.kafka;
  }
}
