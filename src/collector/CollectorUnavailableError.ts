import { ClickflowError } from '../errors/ClickflowError.js';

/**
 * The collector could not take a request's events now (its buffer is full while Kafka is away,
 * Kafka did not acknowledge them in time, or the collector is closing): answered 503 with
 * `Retry-After`, so that the sender tries again later.
 */
export class CollectorUnavailableError extends ClickflowError {
  override readonly name = 'CollectorUnavailableError';

  constructor(
    message: string,
    /** Seconds the sender should wait before it tries again. */
    readonly retryAfterSeconds: number,
  ) {
    super(message, { retriable: true });
  }
}
