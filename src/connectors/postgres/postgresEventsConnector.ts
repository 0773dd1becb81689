import type { RecordOutputConnector } from '../../runtime/Connector.js';
import type { PostgresEventSinkOptions } from './PostgresEventSink.js';
import { parsePostgresTarget } from './PostgresTarget.js';

/**
 * The archive job's `events` into a PostgreSQL table (`--output events=postgres://…`). The URL
 * is checked here, before the job starts; nothing connects until it opens.
 * @param url `postgres://user[:password]@host:port/database[?table=name]`
 * @param source the source's name, part of the key of an event without `event_id` (the Kafka topic)
 * @param option what named it, for messages (`--output events`)
 */
export function postgresEvents(url: string, source: string, option: string, tuning: Pick<PostgresEventSinkOptions, 'batchRows' | 'flushIntervalMs' | 'maxBufferRows' | 'retry'> = {}): RecordOutputConnector {
  const target = parsePostgresTarget(url, option);
  return {
    description: target.description,
    open: async ({ gate, report, metrics }) => {
      // Imported on open: runs that write no PostgreSQL never load node-postgres.
      const { PostgresEventSink } = await import('./PostgresEventSink.js');
      return PostgresEventSink.open({
        ...tuning,
        target,
        source,
        gate,
        onRetry: (message) => {
          metrics.sinkRetries++;
          report('warn', message);
        },
        onWrite: (seconds) => metrics.recordSinkWrite(seconds),
      });
    },
  };
}
