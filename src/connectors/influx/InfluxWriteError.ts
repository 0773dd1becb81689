import { ClickflowError } from '../../errors/ClickflowError.js';

/**
 * InfluxDB refused a write for good (bad token, missing bucket, malformed point), or kept
 * failing past the retry budget. Never carries the token.
 */
export class InfluxWriteError extends ClickflowError {
  override readonly name = 'InfluxWriteError';
  /** The HTTP status, when InfluxDB answered. */
  readonly statusCode: number | undefined;

  constructor(message: string, statusCode: number | undefined, cause: unknown, retriable = false) {
    super(message, { retriable, cause });
    this.statusCode = statusCode;
  }
}
