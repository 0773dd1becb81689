import { ClickflowError } from '../errors/ClickflowError.js';
import { logger } from '../logging/logger.js';
import { CollectorUnavailableError } from './CollectorUnavailableError.js';
import type { EventWriter, KeyedMessage } from './EventWriter.js';

/** Limits of a {@link WriteQueue}; see `DEFAULTS.collector` for what each one is for. */
export interface WriteQueueLimits {
  readonly maxBufferBytes: number;
  readonly maxBatchBytes: number;
  readonly ackTimeoutMs: number;
  readonly retryAfterSeconds: number;
  readonly sendRetry: { readonly initialDelayMs: number; readonly maxDelayMs: number };
}

/** What the queue reports, for the collector's metrics. */
export interface WriteQueueObserver {
  /** A batch was stored, after this many seconds. */
  sent(seconds: number, events: number): void;
  /** The buffer now holds this much (queued and on the way to the writer). */
  buffered(bytes: number, events: number): void;
}

interface Entry {
  readonly messages: readonly KeyedMessage[];
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** The request was answered (stored, timed out or refused): nothing more is told to it. */
  answered: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The bounded buffer between the requests and the {@link EventWriter}. Requests add their events
 * and wait; one batch at a time goes to the writer, made of every request waiting then (up to
 * `maxBatchBytes`), so concurrent requests share a produce request and its round trip. A request
 * is answered only when the writer has stored its events. While the writer cannot (Kafka away),
 * the buffer fills; a request that would take it past `maxBufferBytes` is refused at once with
 * {@link CollectorUnavailableError}, and one that waited `ackTimeoutMs` is refused then, its
 * events withdrawn unless already handed to the writer. A retriable failure is tried again
 * after a growing pause; any other refuses the batch's requests.
 */
export class WriteQueue {
  private readonly queue: Entry[] = [];
  private readonly inFlight = new Set<Entry>();
  private bytes = 0;
  private events = 0;
  private sending = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs: number;
  private closing = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly writer: EventWriter,
    private readonly limits: WriteQueueLimits,
    private readonly observer?: WriteQueueObserver,
  ) {
    this.retryDelayMs = limits.sendRetry.initialDelayMs;
  }

  /** Events waiting, in the buffer or on their way. */
  get bufferedEvents(): number {
    return this.events;
  }

  /**
   * Resolves once `messages` are stored; rejects with {@link CollectorUnavailableError} when the
   * buffer is full, the writer took too long or refused them, or the queue is closing.
   */
  write(messages: readonly KeyedMessage[], bytes: number): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    if (this.closing) return Promise.reject(this.unavailable('the collector is shutting down'));
    if (this.bytes + bytes > this.limits.maxBufferBytes && this.bytes > 0) {
      return Promise.reject(this.unavailable('the collector\'s buffer is full while Kafka does not take events; try again later'));
    }
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = { messages, bytes, resolve, reject, answered: false, timer: undefined };
      entry.timer = setTimeout(() => this.timedOut(entry), this.limits.ackTimeoutMs);
      this.queue.push(entry);
      this.count(entry, +1);
      this.pump();
    });
  }

  /**
   * Refuses new events and waits up to `timeoutMs` for the buffered ones to be stored; the
   * requests still waiting then are answered 503. Then closes the writer.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.events > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    clearTimeout(this.retryTimer);
    for (const entry of [...this.queue, ...this.inFlight]) this.answer(entry, this.unavailable('the collector shut down before Kafka took these events'));
    this.queue.length = 0;
    // A send still on its way is left to the writer's close, which ends it.
    await this.writer.close();
  }

  private pump(): void {
    if (this.sending || this.retryTimer !== undefined || this.queue.length === 0) return;
    const batch: Entry[] = [];
    let batchBytes = 0;
    while (this.queue.length > 0 && (batch.length === 0 || batchBytes + this.queue[0]!.bytes <= this.limits.maxBatchBytes)) {
      const entry = this.queue.shift()!;
      batch.push(entry);
      batchBytes += entry.bytes;
      this.inFlight.add(entry);
    }
    const messages = batch.length === 1 ? batch[0]!.messages : batch.flatMap((entry) => entry.messages);
    this.sending = true;
    const startedNs = process.hrtime.bigint();
    this.writer.write(messages).then(
      () => {
        this.sending = false;
        this.retryDelayMs = this.limits.sendRetry.initialDelayMs;
        this.observer?.sent(Number(process.hrtime.bigint() - startedNs) / 1e9, messages.length);
        for (const entry of batch) {
          this.inFlight.delete(entry);
          this.count(entry, -1);
          this.answer(entry);
        }
        this.settledSome();
      },
      (error: unknown) => {
        this.sending = false;
        for (const entry of batch) this.inFlight.delete(entry);
        if (error instanceof ClickflowError && error.retriable && !this.closing) {
          logger.warn({ err: error.message, retryInMs: this.retryDelayMs }, 'the collector could not store a batch; it tries again');
          // Back at the head, in their order; those answered meanwhile (timed out) are dropped.
          const waiting = batch.filter((entry) => {
            if (entry.answered) this.count(entry, -1);
            return !entry.answered;
          });
          this.queue.unshift(...waiting);
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.pump();
          }, this.retryDelayMs);
          this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.limits.sendRetry.maxDelayMs);
        } else {
          logger.error({ err: (error as Error).message }, 'the collector\'s writer refused a batch');
          for (const entry of batch) {
            this.count(entry, -1);
            this.answer(entry, this.unavailable('storing the events failed; try again later'));
          }
        }
        this.settledSome();
      },
    );
  }

  private settledSome(): void {
    if (this.events === 0) this.idle?.();
    this.pump();
  }

  private timedOut(entry: Entry): void {
    entry.timer = undefined;
    const queued = this.queue.indexOf(entry);
    if (queued !== -1) {
      // Not handed to the writer yet: withdrawn, so a retry by the sender stores it once.
      this.queue.splice(queued, 1);
      this.count(entry, -1);
      this.settledSome();
    }
    // On its way: it may still be stored; the sender's retry then stores it twice (event_id tells them apart).
    this.answer(entry, this.unavailable('Kafka did not acknowledge the events in time; try again later'));
  }

  private answer(entry: Entry, error?: Error): void {
    if (entry.answered) return;
    entry.answered = true;
    clearTimeout(entry.timer);
    if (error === undefined) entry.resolve();
    else entry.reject(error);
  }

  private count(entry: Entry, sign: 1 | -1): void {
    this.bytes += sign * entry.bytes;
    this.events += sign * entry.messages.length;
    this.observer?.buffered(this.bytes, this.events);
  }

  private unavailable(message: string): CollectorUnavailableError {
    return new CollectorUnavailableError(message, this.limits.retryAfterSeconds);
  }
}
