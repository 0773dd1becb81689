import { ConfigError } from '../errors/ConfigError.js';
import type { WindowAssigner } from './WindowAssigner.js';

/**
 * Event-time tumbling windows: fixed-size, non-overlapping, aligned to the epoch
 * (plus an optional offset), as Flink's `TumblingEventTimeWindows`.
 */
export const TumblingWindows = {
  /**
   * @param sizeMs window length in milliseconds, a positive integer
   * @param offsetMs shift of the window boundaries from the epoch, `0 <= offsetMs < sizeMs`; default 0
   * @example TumblingWindows.of(10_000) // [0s, 10s), [10s, 20s), …
   */
  of(sizeMs: number, offsetMs = 0): WindowAssigner {
    if (!Number.isSafeInteger(sizeMs) || sizeMs <= 0) {
      throw new ConfigError('window size', `must be a positive whole number of milliseconds, got ${sizeMs}`);
    }
    if (!Number.isSafeInteger(offsetMs) || offsetMs < 0 || offsetMs >= sizeMs) {
      throw new ConfigError('window offset', `must satisfy 0 <= offset < size (${sizeMs} ms), got ${offsetMs}`);
    }
    return { sizeMs, slideMs: sizeMs, offsetMs };
  },
};
