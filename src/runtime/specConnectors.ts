import { definedFields } from './definedFields.js';
import { resolve } from 'node:path';
import { DEFAULTS } from '../config/defaults.js';
import { discardSink } from '../connectors/discard/discardSinkConnector.js';
import { fileDeadLetters } from '../connectors/file/fileDeadLetterConnector.js';
import { fileLateOutput } from '../connectors/file/fileLateOutputConnector.js';
import { fileRecords } from '../connectors/file/fileRecordsConnector.js';
import { fileSink } from '../connectors/file/fileSinkConnector.js';
import { fileSource } from '../connectors/file/fileSourceConnector.js';
import { influxSink } from '../connectors/influx/influxSinkConnector.js';
import { kafkaDeadLetters } from '../connectors/kafka/kafkaDeadLetterConnector.js';
import type { KafkaSecurity } from '../connectors/kafka/kafkaSecurity.js';
import { kafkaSource, type KafkaSourceSettings } from '../connectors/kafka/kafkaSourceConnector.js';
import type { EventFeed } from '../connectors/memory/EventFeed.js';
import { generatorSource } from '../connectors/memory/generatorSourceConnector.js';
import { postgresEvents } from '../connectors/postgres/postgresEventsConnector.js';
import type { DeadLetterConnector, LateOutputConnector, RecordOutputConnector, SinkConnector, SourceConnector } from './Connector.js';
import type { JobSpec, SourceSpec } from './JobSpec.js';
import { outputName, type SpecFieldNames } from './SpecFieldNames.js';

/** The connectors a spec names, built but not open. */
export interface SpecConnectors {
  readonly source: SourceConnector;
  readonly sink: SinkConnector;
  readonly deadLetter?: DeadLetterConnector;
  readonly lateOutput?: LateOutputConnector;
  readonly outputs?: Readonly<Record<string, RecordOutputConnector>>;
}

/** What a run gives {@link specConnectors} beside the spec: what is not data, and cannot be in one. */
export interface SpecConnectorsOptions {
  /** Where brokers and InfluxDB settings the spec leaves out come from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** For a generator source: events from outside the process beside the generated ones (a job manager's worker passes the demo collector's). */
  readonly collected?: EventFeed;
}

/**
 * Builds a spec's connectors; nothing opens until the job starts. Each connector checks its
 * settings here. Dead letters go where asked, else to `<topic>.dlq` when reading Kafka, else
 * nowhere (counted only). Brokers and InfluxDB settings the spec leaves out come from the
 * environment, as `clickflow run`'s flags take theirs.
 * @param security the spec's `kafka.security`, its files read ({@link resolveKafkaSecurity})
 */
export function specConnectors(spec: JobSpec, security: KafkaSecurity | undefined, names: SpecFieldNames, options: SpecConnectorsOptions = {}): SpecConnectors {
  const { env = process.env, collected } = options;
  const { source: from, sink: to, deadLetter, lateOutput, outputs } = spec;
  const brokers = spec.kafka?.brokers ?? env.KAFKA_BROKERS ?? DEFAULTS.brokers;
  const topic = from.kind === 'kafka' ? (from.topic ?? DEFAULTS.topic) : DEFAULTS.topic;
  const source =
    from.kind === 'kafka'
      ? kafkaSource(kafkaSourceSettings(from, brokers, security))
      : from.kind === 'generator'
        ? generatorSource({ ratePerSecond: from.ratePerSecond, collected })
        : fileSource(from.kind === 'file' ? from.path : '-');
  const sink =
    to.kind === 'influx'
      ? influxSink({ url: to.url ?? env.INFLUX_URL, org: to.org ?? env.INFLUX_ORG, bucket: to.bucket ?? env.INFLUX_BUCKET, token: to.token ?? env.INFLUX_TOKEN })
      : to.kind === 'none'
        ? discardSink()
        : fileSink(to.kind === 'file' ? to.path : '-', names.sink);
  let deadLetters: DeadLetterConnector | undefined;
  if (deadLetter?.kind === 'file') deadLetters = fileDeadLetters(deadLetter.path, names.deadLetter);
  else if (deadLetter?.kind === 'kafka' || (deadLetter === undefined && from.kind === 'kafka')) {
    deadLetters = kafkaDeadLetters({ brokers, security, sourceTopic: topic, topic: deadLetter?.kind === 'kafka' ? deadLetter.topic : undefined });
  }
  const entries = Object.entries(outputs ?? {});
  return {
    source,
    sink,
    deadLetter: deadLetters,
    lateOutput: lateOutput?.kind === 'file' ? fileLateOutput(lateOutput.path, names.lateOutput) : undefined,
    ...(entries.length === 0
      ? {}
      : {
          outputs: Object.fromEntries(
            entries.map(([name, output]) => [
              name,
              output.kind === 'postgres'
                ? postgresEvents(output.url, sourceName(from, topic), outputName(names, name))
                : fileRecords(output.kind === 'file' ? output.path : '-', outputName(names, name)),
            ]),
          ),
        }),
  };
}

/** The settings of the Kafka source a spec's `source` names, with the run's brokers and security (its files read). */
export function kafkaSourceSettings(from: Extract<SourceSpec, { kind: 'kafka' }>, brokers: string, security: KafkaSecurity | undefined): KafkaSourceSettings {
  return definedFields({ brokers, topic: from.topic ?? DEFAULTS.topic, group: from.group, bounded: from.bounded === true, idleTimeoutMs: from.idleTimeoutMs, security, timeRange: from.timeRange });
}

/**
 * The source as an archived event's key names it: the topic, or the file's absolute path, so
 * that a rerun over the same input finds the rows it wrote. stdin and the generator have no
 * name that lasts between runs; their events without `event_id` are keyed by line alone.
 */
function sourceName(from: SourceSpec, topic: string): string {
  if (from.kind === 'kafka') return topic;
  if (from.kind === 'file') return `file:${resolve(from.path)}`;
  return from.kind;
}
