import type { BackpressureGate } from './BackpressureGate.js';

/** What {@link BatchingWriter} sends to and how; each sink passes its own defaults and messages. */
export interface BatchingWriterOptions<F extends Error> {
  /** Lines per batch handed to `send`. */
  readonly batchSize: number;
  /** Longest time a line waits in the buffer before it is sent, in ms (0: at once). */
  readonly flushIntervalMs: number;
  /** Lines buffered or in flight at which the gate closes; it opens again below half of it. */
  readonly maxBacklog: number;
  readonly gate?: BackpressureGate;
  /** Stores one batch, its retries included; resolving means the store has every line of it. */
  readonly send: (lines: string[]) => Promise<void>;
  /** The sink's final error for a batch `send` gave up on. */
  readonly failureOf: (error: unknown) => F;
  /** Told how long each stored batch took, in seconds (retries included). */
  readonly onWrite?: (seconds: number) => void;
}

/**
 * The write loop of a sink to a remote store (InfluxDB, PostgreSQL): buffers lines, sends them
 * in batches by size and by time, and holds the source back through the gate while too many
 * lines wait.
 *
 * Batches go one at a time, in order: a window's later firing must land after its earlier one,
 * or the store would keep the stale one. The first batch `send` gives up on rejects `failed`,
 * later batches are dropped unsent, and every later `write` and `flush` throws that failure, so
 * the job stops instead of looping. `flush` resolving means every line written before it is
 * stored: that is what allows a source to commit.
 */
export class BatchingWriter<F extends Error> {
  /** Rejects with the final failure as soon as it happens; never resolves. */
  readonly failed: Promise<never>;
  private rejectFailed!: (error: F) => void;
  private buffer: string[] = [];
  private inFlightLines = 0;
  private sending: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: F | undefined;

  constructor(private readonly options: BatchingWriterOptions<F>) {
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    // Nobody has to listen: write and flush throw the same error.
    this.failed.catch(() => undefined);
  }

  /** Lines buffered or being sent. */
  get backlog(): number {
    return this.buffer.length + this.inFlightLines;
  }

  write(lines: readonly string[]): void {
    if (this.failure !== undefined) throw this.failure;
    if (lines.length === 0) return;
    for (let i = 0; i < lines.length; i++) this.buffer.push(lines[i]!);
    if (this.buffer.length >= this.options.batchSize) this.sendBuffered();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.sendBuffered(), this.options.flushIntervalMs);
    if (this.backlog >= this.options.maxBacklog) this.options.gate?.close();
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
    }
  }

  private sendBuffered(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const { batchSize } = this.options;
    while (this.buffer.length > 0) {
      const chunk = this.buffer.length <= batchSize ? this.buffer : this.buffer.slice(0, batchSize);
      this.buffer = chunk === this.buffer ? [] : this.buffer.slice(batchSize);
      this.inFlightLines += chunk.length;
      this.sending = this.sending.then(() => this.send(chunk));
    }
  }

  private async send(lines: string[]): Promise<void> {
    try {
      if (this.failure === undefined) {
        const started = performance.now();
        await this.options.send(lines);
        this.options.onWrite?.((performance.now() - started) / 1000);
      }
    } catch (error) {
      this.failure = this.options.failureOf(error);
      this.rejectFailed(this.failure);
    } finally {
      this.inFlightLines -= lines.length;
      if (this.failure !== undefined || this.backlog < this.options.maxBacklog / 2) this.options.gate?.open();
    }
  }
}
