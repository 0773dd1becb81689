import { ConfigError } from '../errors/ConfigError.js';
import type { WindowAssigner } from './WindowAssigner.js';

/**
 * Event-time hopping (sliding) windows: windows of `sizeMs` starting every `slideMs`, so a
 * record falls in `ceil(sizeMs / slideMs)` windows; as Flink's `SlidingEventTimeWindows`.
 */
export const SlidingWindows = {
  /**
   * @param sizeMs window length in milliseconds, a positive integer
   * @param slideMs distance between window starts in milliseconds, `0 < slideMs <= sizeMs`
   * @param offsetMs shift of the window starts from the epoch, `0 <= offsetMs < slideMs`; default 0
   * @example SlidingWindows.of(60_000, 10_000) // one-minute windows every ten seconds
   */
  of(sizeMs: number, slideMs: number, offsetMs = 0): WindowAssigner {
    if (!Number.isSafeInteger(sizeMs) || sizeMs <= 0) {
      throw new ConfigError('window size', `must be a positive whole number of milliseconds, got ${sizeMs}`);
    }
    if (!Number.isSafeInteger(slideMs) || slideMs <= 0 || slideMs > sizeMs) {
      throw new ConfigError(
        'window slide',
        `must be a whole number of milliseconds with 0 < slide <= size (${sizeMs} ms), got ${slideMs}`,
      );
    }
    if (!Number.isSafeInteger(offsetMs) || offsetMs < 0 || offsetMs >= slideMs) {
      throw new ConfigError('window offset', `must satisfy 0 <= offset < slide (${slideMs} ms), got ${offsetMs}`);
    }
    return { sizeMs, slideMs, offsetMs };
  },
};
