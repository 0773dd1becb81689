import pg from 'pg';
import { DEFAULTS } from '../../config/defaults.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
import { BatchingWriter } from '../../runtime/BatchingWriter.js';
import { createRetry, type RetryOptions } from '../../runtime/createRetry.js';
import type { LineSink } from '../../runtime/LineSink.js';
import { createTableStatements, EventColumns, insertStatement } from './eventTable.js';
import { isRetriablePostgresError, postgresErrorOf } from './postgresErrorOf.js';
import type { PostgresTarget } from './PostgresTarget.js';
import type { PostgresWriteError } from './PostgresWriteError.js';

/** Options of {@link PostgresEventSink}; defaults in `DEFAULTS.postgres`. */
export interface PostgresEventSinkOptions {
  readonly target: PostgresTarget;
  /** The source's name, part of the key of an event without `event_id`: the Kafka topic, `file:/abs/path`. */
  readonly source: string;
  readonly batchRows?: number;
  readonly flushIntervalMs?: number;
  readonly maxBufferRows?: number;
  readonly retry?: RetryOptions;
  readonly gate?: BackpressureGate;
  /** Told about each retried failure (never with the password). */
  readonly onRetry?: (message: string) => void;
  /** Told how long each INSERT took, in seconds (retries included). */
  readonly onWrite?: (seconds: number) => void;
}

/**
 * The archive job's events into a PostgreSQL table (created if missing, see `eventTable.ts`),
 * as multi-row `INSERT … ON CONFLICT DO NOTHING`: a replayed event, or one sent twice with one
 * `event_id`, is stored once. One INSERT in flight on one connection ({@link BatchingWriter});
 * a failed one is retried with backoff on a new connection (PostgreSQL restarting), a final
 * error (a refused password, a record that is not an archived event) rejects `failed`. `flush` resolving means every row
 * written before it is committed in PostgreSQL (each INSERT is its own transaction): the
 * source commits only after that.
 */
export class PostgresEventSink implements LineSink {
  readonly failed: Promise<never>;
  private readonly retrying: <T>(operation: (attempt: number) => Promise<T>) => Promise<T>;
  private readonly insert: string;
  private readonly writer: BatchingWriter<PostgresWriteError>;
  private client: pg.Client | undefined;

  /** Connects and creates the table if missing; a failure here is final (a typo in the URL should not wait out a retry budget). */
  static async open(options: PostgresEventSinkOptions): Promise<PostgresEventSink> {
    const sink = new PostgresEventSink(options);
    try {
      const client = await sink.connected();
      // Instances starting together would race on CREATE TABLE IF NOT EXISTS (it is not atomic
      // against a concurrent one): a lock per table, held until the transaction ends.
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`clickflow:${options.target.table}`]);
      for (const statement of createTableStatements(options.target.table)) await client.query(statement);
      await client.query('COMMIT');
    } catch (error) {
      await sink.disconnect();
      throw postgresErrorOf(error, options.target.description, true);
    }
    return sink;
  }

  private constructor(private readonly options: PostgresEventSinkOptions) {
    this.insert = insertStatement(options.target.table);
    this.retrying = createRetry(
      options.retry ?? DEFAULTS.postgres.retry,
      (error) => ({ retriable: isRetriablePostgresError(error) }),
      undefined,
      (error, attempt, delayMs) =>
        options.onRetry?.(`PostgreSQL write failed (attempt ${attempt}: ${postgresErrorOf(error, options.target.description, false).message}); retrying in ${delayMs} ms`),
    );
    this.writer = new BatchingWriter({
      batchSize: options.batchRows ?? DEFAULTS.postgres.batchRows,
      flushIntervalMs: options.flushIntervalMs ?? DEFAULTS.postgres.flushIntervalMs,
      maxBacklog: options.maxBufferRows ?? DEFAULTS.postgres.maxBufferRows,
      gate: options.gate,
      send: (lines) => this.send(lines),
      failureOf: (error) => postgresErrorOf(error, options.target.description, true),
      onWrite: options.onWrite,
    });
    this.failed = this.writer.failed;
  }

  write(lines: readonly string[]): void {
    this.writer.write(lines);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  async close(): Promise<void> {
    try {
      await this.writer.close();
    } finally {
      await this.disconnect();
    }
  }

  private async send(lines: string[]): Promise<void> {
    const columns = new EventColumns();
    for (const line of lines) columns.add(line, this.options.source);
    await this.retrying(async () => {
      const client = await this.connected();
      try {
        await client.query(this.insert, columns.values);
      } catch (error) {
        // The connection may be half dead (a server that went away): the next attempt opens a new one.
        if (isRetriablePostgresError(error)) await this.disconnect();
        throw error;
      }
    });
  }

  private async connected(): Promise<pg.Client> {
    if (this.client !== undefined) return this.client;
    const client = new pg.Client({
      connectionString: this.options.target.connectionString,
      connectionTimeoutMillis: DEFAULTS.postgres.connectionTimeoutMs,
      query_timeout: DEFAULTS.postgres.queryTimeoutMs,
      application_name: 'clickflow',
    });
    // A server that goes away while the connection is idle emits this instead of failing a query;
    // without a listener it would crash the process. The next INSERT reconnects.
    client.on('error', () => {
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
