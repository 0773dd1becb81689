import { discardSink } from '../connectors/discard/discardSinkConnector.js';
import { fileDeadLetters } from '../connectors/file/fileDeadLetterConnector.js';
import { fileLateOutput } from '../connectors/file/fileLateOutputConnector.js';
import { fileSink } from '../connectors/file/fileSinkConnector.js';
import { fileSource } from '../connectors/file/fileSourceConnector.js';
import { influxSink } from '../connectors/influx/influxSinkConnector.js';
import type { InfluxTarget } from '../connectors/influx/InfluxTarget.js';
import { kafkaDeadLetters } from '../connectors/kafka/kafkaDeadLetterConnector.js';
import { kafkaSource, type KafkaSourceSettings } from '../connectors/kafka/kafkaSourceConnector.js';
import type { EventFeed } from '../connectors/memory/EventFeed.js';
import { generatorSource } from '../connectors/memory/generatorSourceConnector.js';
import { fileRecords } from '../connectors/file/fileRecordsConnector.js';
import { postgresEvents } from '../connectors/postgres/postgresEventsConnector.js';
import { resolve } from 'node:path';
import type { DeadLetterConnector, LateOutputConnector, RecordOutputConnector, SinkConnector, SourceConnector } from '../runtime/Connector.js';
import type { Endpoint, RecordOutputEndpoint } from './Endpoint.js';

/** The connectors a `clickflow run` command line names. */
export interface EndpointConnectors {
  readonly source: SourceConnector;
  readonly sink: SinkConnector;
  readonly deadLetter?: DeadLetterConnector;
  readonly lateOutput?: LateOutputConnector;
  readonly outputs?: Readonly<Record<string, RecordOutputConnector>>;
}

/** What `--from`, `--to`, `--dead-letter` and `--late-output` name, with the Kafka and InfluxDB settings they use. */
export interface EndpointSettings {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly deadLetter?: Endpoint;
  readonly lateOutput?: Endpoint;
  readonly outputs?: readonly RecordOutputEndpoint[];
  readonly kafka: KafkaSourceSettings & { readonly brokers: string; readonly topic: string };
  readonly influx: Partial<InfluxTarget>;
  /** Events for the generator source beside its own (a job manager's worker passes the demo collector's). */
  readonly collected?: EventFeed;
}

/**
 * Builds the connectors; nothing opens until the job starts. Dead letters go where asked,
 * else to `<topic>.dlq` when reading Kafka, else nowhere (counted only).
 */
export function endpointConnectors(settings: EndpointSettings): EndpointConnectors {
  const { from, to, deadLetter, lateOutput, outputs, kafka, influx, collected } = settings;
  const source =
    from.kind === 'kafka'
      ? kafkaSource(kafka)
      : from.kind === 'generator'
        ? generatorSource({ ratePerSecond: from.ratePerSecond, collected })
        : fileSource(from.kind === 'file' ? from.path : '-');
  const sink = to.kind === 'influx' ? influxSink(influx) : to.kind === 'none' ? discardSink() : fileSink(to.kind === 'file' ? to.path : '-', '--to');
  let deadLetters: DeadLetterConnector | undefined;
  if (deadLetter?.kind === 'file') deadLetters = fileDeadLetters(deadLetter.path, '--dead-letter');
  else if (deadLetter?.kind === 'kafka' || (deadLetter === undefined && from.kind === 'kafka')) {
    deadLetters = kafkaDeadLetters({ brokers: kafka.brokers, security: kafka.security, sourceTopic: kafka.topic, topic: deadLetter?.kind === 'kafka' ? deadLetter.topic : undefined });
  }
  return {
    source,
    sink,
    deadLetter: deadLetters,
    lateOutput: lateOutput?.kind === 'file' ? fileLateOutput(lateOutput.path, '--late-output') : undefined,
    ...(outputs === undefined || outputs.length === 0
      ? {}
      : {
          outputs: Object.fromEntries(
            outputs.map(({ name, endpoint }) => [
              name,
              endpoint.kind === 'postgres'
                ? postgresEvents(endpoint.url, sourceName(from, kafka.topic), `--output ${name}`)
                : fileRecords(endpoint.kind === 'file' ? endpoint.path : '-', `--output ${name}`),
            ]),
          ),
        }),
  };
}

/**
 * The source as an archived event's key names it: the topic, or the file's absolute path, so
 * that a rerun over the same input finds the rows it wrote. stdin and the generator have no
 * name that lasts between runs; their events without `event_id` are keyed by line alone.
 */
function sourceName(from: Endpoint, topic: string): string {
  if (from.kind === 'kafka') return topic;
  if (from.kind === 'file') return `file:${resolve(from.path)}`;
  return from.kind;
}
