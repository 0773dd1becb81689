/**
 * Base class of every error clickflow throws on purpose.
 *
 * `retriable` says whether doing the same thing again may succeed (a broker restarting,
 * a 503 from InfluxDB); programming and configuration errors are never retriable.
 */
export class ClickflowError extends Error {
  override readonly name: string = 'ClickflowError';
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}
