import { DEFAULTS } from '../config/defaults.js';
import { ConfigError } from '../errors/ConfigError.js';
import { durationMs, type Duration } from './Duration.js';
import type { AlignedWindowAssigner } from './WindowAssigner.js';

/**
 * Event-time hopping (sliding) windows: windows of `size` starting every `slide`, so a
 * record falls in `ceil(size / slide)` windows; as Flink's `SlidingEventTimeWindows`.
 */
export const SlidingEventTimeWindows = {
  /**
   * @param size window length: milliseconds, or a duration string such as `'1m'`
   * @param slide distance between window starts, `0 < slide <= size`, and at most
   *   `DEFAULTS.maxWindowsPerRecord` windows per record
   * @param offset shift of the window starts from the epoch, `0 <= offset < slide`; default 0
   * @example SlidingEventTimeWindows.of('1m', '10s') // one-minute windows every ten seconds
   */
  of(size: Duration, slide: Duration, offset: Duration = 0): AlignedWindowAssigner {
    const sizeMs = durationMs(size, 'window size');
    const slideMs = durationMs(slide, 'window slide');
    const offsetMs = durationMs(offset, 'window offset');
    if (!Number.isSafeInteger(sizeMs) || sizeMs <= 0) {
      throw new ConfigError('window size', `must be a positive whole number of milliseconds, got ${sizeMs}`);
    }
    if (!Number.isSafeInteger(slideMs) || slideMs <= 0 || slideMs > sizeMs) {
      throw new ConfigError(
        'window slide',
        `must be a whole number of milliseconds with 0 < slide <= size (${sizeMs} ms), got ${slideMs}`,
      );
    }
    // Every record is added to each of its windows: a day sliding by a millisecond would
    // allocate 86.4M accumulators per record.
    const perRecord = Math.ceil(sizeMs / slideMs);
    if (perRecord > DEFAULTS.maxWindowsPerRecord) {
      throw new ConfigError(
        'window slide',
        `a ${sizeMs} ms window sliding by ${slideMs} ms puts every record in ${perRecord} windows; ` +
          `at most ${DEFAULTS.maxWindowsPerRecord} are allowed: use a slide of at least ${Math.ceil(sizeMs / DEFAULTS.maxWindowsPerRecord)} ms`,
      );
    }
    if (!Number.isSafeInteger(offsetMs) || offsetMs < 0 || offsetMs >= slideMs) {
      throw new ConfigError('window offset', `must satisfy 0 <= offset < slide (${slideMs} ms), got ${offsetMs}`);
    }
    return { kind: 'aligned', sizeMs, slideMs, offsetMs };
  },
};
