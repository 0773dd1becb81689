import pg from 'pg';
import { DEFAULTS } from '../../config/defaults.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
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
 * `event_id`, is stored once. One INSERT in flight on one connection; a failed one is retried
 * with backoff on a new connection (PostgreSQL restarting), a final error (a refused password,
 * a record that is not an archived event) rejects `failed`. `flush` resolving means every row
 * written before it is committed in PostgreSQL (each INSERT is its own transaction): the
 * source commits only after that.
 */
export class PostgresEventSink implements LineSink {
  readonly failed: Promise<never>;
  private rejectFailed!: (error: PostgresWriteError) => void;
  private readonly batchRows: number;
  private readonly maxBufferRows: number;
  private readonly flushIntervalMs: number;
  private readonly retrying: <T>(operation: (attempt: number) => Promise<T>) => Promise<T>;
  private readonly insert: string;
  private client: pg.Client | undefined;
  private buffer: string[] = [];
  private inFlightRows = 0;
  private sending: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: PostgresWriteError | undefined;
  /** Rows PostgreSQL has confirmed (inserted or already there). */
  rowsWritten = 0;

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
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    // Nobody has to listen: write and flush throw the same error.
    this.failed.catch(() => undefined);
    this.batchRows = options.batchRows ?? DEFAULTS.postgres.batchRows;
    this.maxBufferRows = options.maxBufferRows ?? DEFAULTS.postgres.maxBufferRows;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULTS.postgres.flushIntervalMs;
    this.insert = insertStatement(options.target.table);
    this.retrying = createRetry(
      options.retry ?? DEFAULTS.postgres.retry,
      (error) => ({ retriable: isRetriablePostgresError(error) }),
      undefined,
      (error, attempt, delayMs) =>
        options.onRetry?.(`PostgreSQL write failed (attempt ${attempt}: ${postgresErrorOf(error, options.target.description, false).message}); retrying in ${delayMs} ms`),
    );
  }

  /** Rows buffered or being sent. */
  get backlog(): number {
    return this.buffer.length + this.inFlightRows;
  }

  write(lines: readonly string[]): void {
    if (this.failure !== undefined) throw this.failure;
    if (lines.length === 0) return;
    for (let i = 0; i < lines.length; i++) this.buffer.push(lines[i]!);
    if (this.buffer.length >= this.batchRows) this.sendBuffered();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.sendBuffered(), this.flushIntervalMs);
    if (this.backlog >= this.maxBufferRows) this.options.gate?.close();
  }

  async flush(): Promise<void> {
    this.sendBuffered();
    await this.sending;
    if (this.failure !== undefined) throw this.failure;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      clearTimeout(this.timer);
      await this.disconnect();
    }
  }

  private sendBuffered(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.buffer.length > 0) {
      const chunk = this.buffer.length <= this.batchRows ? this.buffer : this.buffer.slice(0, this.batchRows);
      this.buffer = chunk === this.buffer ? [] : this.buffer.slice(this.batchRows);
      this.inFlightRows += chunk.length;
      this.sending = this.sending.then(() => this.send(chunk));
    }
  }

  private async send(lines: string[]): Promise<void> {
    const { target } = this.options;
    try {
      if (this.failure === undefined) {
        const columns = new EventColumns();
        for (const line of lines) columns.add(line, this.options.source);
        const started = performance.now();
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
        this.options.onWrite?.((performance.now() - started) / 1000);
        this.rowsWritten += lines.length;
      }
    } catch (error) {
      this.failure = postgresErrorOf(error, target.description, true);
      this.rejectFailed(this.failure);
    } finally {
      this.inFlightRows -= lines.length;
      if (this.failure !== undefined || this.backlog < this.maxBufferRows / 2) this.options.gate?.open();
    }
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
