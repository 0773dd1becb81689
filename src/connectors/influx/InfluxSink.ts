import { canRetryHttpCall, HttpError, InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import { DEFAULTS } from '../../config/defaults.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
import { BatchingWriter } from '../../runtime/BatchingWriter.js';
import { createRetry, DEFAULT_RETRY, type RetryOptions } from '../../runtime/createRetry.js';
import type { LineSink } from '../../runtime/LineSink.js';
import { InfluxWriteError } from './InfluxWriteError.js';
import type { InfluxTarget } from './InfluxTarget.js';
import { validateInfluxSinkOptions } from './validateInfluxSinkOptions.js';

/** Options of {@link InfluxSink}; the defaults are beside each, checked at construction. */
export interface InfluxSinkOptions {
  readonly target: InfluxTarget;
  /** Lines per write request, at most `maxBufferLines`. Default `DEFAULTS.influx.batchLines`. */
  readonly batchLines?: number;
  /** Longest time a line waits in the buffer before it is sent, in ms (0: at once). Default 1000. */
  readonly flushIntervalMs?: number;
  /** Lines buffered or in flight above which the gate closes (sources pause). Default `DEFAULTS.influx.maxBufferLines`. */
  readonly maxBufferLines?: number;
  /** Requests larger than this many bytes are gzipped. Default `DEFAULTS.influx.gzipThreshold`. */
  readonly gzipThreshold?: number;
  readonly retry?: RetryOptions;
  readonly gate?: BackpressureGate;
  /** Told about each retried failure (never with the token). */
  readonly onRetry?: (message: string) => void;
  /** Told how long each successful write request took, in seconds (retries included). */
  readonly onWrite?: (seconds: number) => void;
}

// The client would log each failed request to the console itself; the sink reports them.
setLogger({ error: () => {}, warn: () => {} });

/**
 * Writes line protocol to InfluxDB 2 with the official client: batches by size and time,
 * gzip, and retries with exponential backoff and jitter on 429, 5xx and network errors,
 * never sooner than a `Retry-After`.
 *
 * Requests go one at a time, in order ({@link BatchingWriter}): a window's later firing must land after its earlier
 * one, or InfluxDB would keep the stale point. A final error (401, 403, a 400 for a malformed
 * point, a 404 for an org or bucket still missing after `DEFAULTS.influx.notFoundRetryMs`) or
 * an exhausted retry budget rejects `failed` and makes every later `write`
 * and `flush` throw an {@link InfluxWriteError}, so the job stops instead of looping. `flush`
 * resolving means every line written before it is stored: that is what allows a source to commit.
 */
export class InfluxSink implements LineSink {
  /** Rejects with the sink's final error as soon as it happens; never resolves. */
  readonly failed: Promise<never>;
  private readonly writeApi: WriteApi;
  private readonly retrying: <T>(operation: (attempt: number) => Promise<T>) => Promise<T>;
  private readonly writer: BatchingWriter<InfluxWriteError>;
  /** When writes began to be answered 404, while they still are. */
  private notFoundSinceMs: number | undefined;

  constructor(options: InfluxSinkOptions) {
    validateInfluxSinkOptions(options);
    const { target } = options;
    const batchLines = options.batchLines ?? DEFAULTS.influx.batchLines;
    this.writeApi = new InfluxDB({ url: target.url, token: target.token, timeout: 30_000 }).getWriteApi(
      target.org,
      target.bucket,
      'ns',
      {
        // The sink batches and retries itself (in order, one request at a time): the client's
        // own buffer must never flush on its own, and its retry buffer must stay unused.
        batchSize: batchLines + 1,
        flushInterval: 0,
        maxRetries: 0,
        gzipThreshold: options.gzipThreshold ?? DEFAULTS.influx.gzipThreshold,
      },
    );
    this.retrying = createRetry(
      options.retry ?? DEFAULT_RETRY,
      (error) => {
        const notFoundLeftMs = this.notFoundRetryLeftMs(error);
        return {
          retriable: canRetryHttpCall(error) && notFoundLeftMs > 0,
          minDelayMs: error instanceof HttpError && error.retryAfter() > 0 ? error.retryAfter() * 1000 : undefined,
          maxDelayMs: notFoundLeftMs,
        };
      },
      undefined,
      (error, attempt, delayMs) =>
        options.onRetry?.(`InfluxDB write failed (attempt ${attempt}: ${describe(error)}); retrying in ${delayMs} ms`),
    );
    this.writer = new BatchingWriter({
      batchSize: batchLines,
      flushIntervalMs: options.flushIntervalMs ?? DEFAULTS.influx.flushIntervalMs,
      maxBacklog: options.maxBufferLines ?? DEFAULTS.influx.maxBufferLines,
      gate: options.gate,
      send: (lines) => this.send(lines),
      failureOf: (error) => toWriteError(error, target),
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

  close(): Promise<void> {
    return this.writer.close();
  }

  private async send(lines: string[]): Promise<void> {
    await this.retrying(async () => {
      this.writeApi.writeRecords(lines);
      await this.writeApi.flush();
    });
    this.notFoundSinceMs = undefined;
  }

  /**
   * What is left of `DEFAULTS.influx.notFoundRetryMs` since writes began to be answered 404 (no
   * such org or bucket), or Infinity for another failure: the client counts a 404 retriable,
   * but a wrong name never heals, and the job should say so in seconds, not after the whole
   * retry budget.
   */
  private notFoundRetryLeftMs(error: unknown): number {
    if (!(error instanceof HttpError && error.statusCode === 404)) {
      this.notFoundSinceMs = undefined;
      return Infinity;
    }
    this.notFoundSinceMs ??= Date.now();
    return this.notFoundSinceMs + DEFAULTS.influx.notFoundRetryMs - Date.now();
  }
}

function describe(error: unknown): string {
  if (error instanceof HttpError) return `HTTP ${error.statusCode} ${error.message}`;
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === undefined ? String((error as Error)?.message ?? error) : `${code} ${(error as Error).message}`;
}

function toWriteError(error: unknown, target: InfluxTarget): InfluxWriteError {
  const where = `bucket "${target.bucket}" of org "${target.org}" at ${target.url}`;
  if (error instanceof HttpError) {
    const status = error.statusCode;
    const hint =
      status === 401 || status === 403
        ? 'the token was refused; check --influx-token / INFLUX_TOKEN and that it may write to this bucket'
        : status === 404
          ? 'the org or bucket does not exist; create it or fix --influx-org / --influx-bucket'
          : status === 400
            ? 'InfluxDB rejected a point as malformed; this is a bug in the job, please report it with the message'
            : canRetryHttpCall(error)
              ? 'InfluxDB kept failing for the whole retry budget; check its health and logs'
              : 'InfluxDB refused the write';
    return new InfluxWriteError(`cannot write to ${where}: HTTP ${status} ${error.message}: ${hint}`, status, error);
  }
  return new InfluxWriteError(
    `cannot write to ${where}: ${describe(error)}; check that InfluxDB is running and --influx-url / INFLUX_URL points at it`,
    undefined,
    error,
    true,
  );
}
