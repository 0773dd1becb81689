import { ConfigError } from '../errors/ConfigError.js';
import { durationMs, type Duration } from './Duration.js';
import type { AlignedWindowAssigner } from './WindowAssigner.js';

/**
 * Event-time tumbling windows: fixed-size, non-overlapping, aligned to the epoch
 * (plus an optional offset), as Flink's `TumblingEventTimeWindows`.
 */
export const TumblingEventTimeWindows = {
  /**
   * @param size window length: milliseconds, or a duration string such as `'10s'`
   * @param offset shift of the window boundaries from the epoch, `0 <= offset < size`; default 0
   * @example TumblingEventTimeWindows.of('10s') // [0s, 10s), [10s, 20s), …
   */
  of(size: Duration, offset: Duration = 0): AlignedWindowAssigner {
    const sizeMs = durationMs(size, 'window size');
    const offsetMs = durationMs(offset, 'window offset');
    if (!Number.isSafeInteger(sizeMs) || sizeMs <= 0) {
      throw new ConfigError('window size', `must be a positive whole number of milliseconds, got ${sizeMs}`);
    }
    if (!Number.isSafeInteger(offsetMs) || offsetMs < 0 || offsetMs >= sizeMs) {
      throw new ConfigError('window offset', `must satisfy 0 <= offset < size (${sizeMs} ms), got ${offsetMs}`);
    }
    return { kind: 'aligned', sizeMs, slideMs: sizeMs, offsetMs };
  },
};
