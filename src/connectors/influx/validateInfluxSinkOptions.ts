import { ConfigError } from '../../errors/ConfigError.js';
import type { RetryOptions } from '../../runtime/createRetry.js';
import { MAX_TIMER_MS } from '../../time/maxTimerMs.js';
import type { InfluxSinkOptions } from './InfluxSink.js';

/**
 * Checks every numeric option of an {@link InfluxSink} once, at construction: a zero batch
 * size would make the sink loop forever, a NaN would make it never send. Each error names the
 * option and states the rule.
 */
export function validateInfluxSinkOptions(options: InfluxSinkOptions): void {
  const { batchLines, flushIntervalMs, maxBufferLines, gzipThreshold, retry } = options;
  wholeNumber('batchLines', batchLines, 1, Number.MAX_SAFE_INTEGER, 'lines per write request');
  wholeNumber('flushIntervalMs', flushIntervalMs, 0, MAX_TIMER_MS, 'how long a line may wait before it is sent, in ms');
  wholeNumber('maxBufferLines', maxBufferLines, 1, Number.MAX_SAFE_INTEGER, 'lines buffered before sources pause');
  wholeNumber('gzipThreshold', gzipThreshold, 0, Number.MAX_SAFE_INTEGER, 'request size in bytes above which it is gzipped');
  if (batchLines !== undefined && maxBufferLines !== undefined && batchLines > maxBufferLines) {
    throw new ConfigError(
      'InfluxSink batchLines',
      `must be at most maxBufferLines (${maxBufferLines}), got ${batchLines}: the sources would pause before a batch is full`,
    );
  }
  if (retry !== undefined) validateRetry(retry);
}

function validateRetry(retry: RetryOptions): void {
  wholeNumber('retry.initialDelayMs', retry.initialDelayMs, 0, MAX_TIMER_MS, 'delay before the first retry, in ms');
  wholeNumber('retry.maxDelayMs', retry.maxDelayMs, retry.initialDelayMs, MAX_TIMER_MS, 'ceiling of one delay, in ms, at least initialDelayMs');
  wholeNumber('retry.maxElapsedMs', retry.maxElapsedMs, 0, Number.MAX_SAFE_INTEGER, 'time budget of the retries, in ms');
  if (!Number.isFinite(retry.factor) || retry.factor < 1) {
    throw new ConfigError('InfluxSink retry.factor', `must be a number ≥ 1 (each delay is the previous one times it), got ${retry.factor}`);
  }
  if (!Number.isFinite(retry.jitter) || retry.jitter < 0 || retry.jitter > 1) {
    throw new ConfigError('InfluxSink retry.jitter', `must be a number from 0 to 1 (the share by which a delay is randomised), got ${retry.jitter}`);
  }
}

function wholeNumber(name: string, value: number | undefined, min: number, max: number, meaning: string): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`InfluxSink ${name}`, `must be a whole number ${range} (${meaning}), got ${value}`);
  }
}
