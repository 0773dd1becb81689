import { DEFAULTS } from '../config/defaults.js';
import { ClickflowError } from '../errors/ClickflowError.js';

/** How {@link createRetry} spaces its attempts. */
export interface RetryOptions {
  /** Delay before the first retry, in ms. */
  readonly initialDelayMs: number;
  /** Ceiling of one delay, in ms. */
  readonly maxDelayMs: number;
  /** Each delay is the previous one times this. */
  readonly factor: number;
  /** Each delay is randomised by up to ± this share, so that clients do not retry in step. */
  readonly jitter: number;
  /** Give up once this long has passed since the first attempt, in ms. */
  readonly maxElapsedMs: number;
}

/** Retry defaults: `DEFAULTS.influx.retry`. */
export const DEFAULT_RETRY: RetryOptions = DEFAULTS.influx.retry;

/** What an attempt learns about a failure: retry it (after at least `minDelayMs`) or not. */
export interface RetryDecision {
  readonly retriable: boolean;
  /** A server's `Retry-After`, in ms; the delay is never shorter. */
  readonly minDelayMs?: number;
  /** What is left of a shorter budget for this kind of failure, in ms; the delay is never longer. */
  readonly maxDelayMs?: number;
}

/**
 * Wraps an async operation in retries with exponential backoff and jitter. `classify` tells a
 * retriable failure (a 503, a reset connection) from a final one (a 401), which is rethrown at
 * once: programming and configuration errors are never retried. When the time budget runs
 * out, the last error is rethrown.
 *
 * @example const write = createRetry(DEFAULT_RETRY, classify)((attempt) => send(lines));
 */
export function createRetry(
  options: RetryOptions,
  classify: (error: unknown) => RetryDecision,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
): <T>(operation: (attempt: number) => Promise<T>) => Promise<T> {
  return async (operation) => {
    const startedMs = Date.now();
    let delayMs = options.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation(attempt);
      } catch (error) {
        if (error instanceof ClickflowError && !error.retriable) throw error;
        const decision = classify(error);
        if (!decision.retriable) throw error;
        const jittered = Math.min(delayMs * (1 + options.jitter * (2 * Math.random() - 1)), options.maxDelayMs);
        // A server's Retry-After outranks the backoff's cap (retrying sooner would only be refused
        // again); a shorter budget for this failure (maxDelayMs) outranks both.
        const waitMs = Math.min(Math.max(Math.round(jittered), decision.minDelayMs ?? 0), decision.maxDelayMs ?? Infinity);
        if (Date.now() - startedMs + waitMs > options.maxElapsedMs) throw error;
        onRetry?.(error, attempt, waitMs);
        await sleep(waitMs);
        delayMs = Math.min(delayMs * options.factor, options.maxDelayMs);
      }
    }
  };
}
