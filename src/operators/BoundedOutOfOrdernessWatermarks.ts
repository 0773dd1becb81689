import { ConfigError } from '../errors/ConfigError.js';

/**
 * Watermark generator for records that arrive at most `maxOutOfOrdernessMs` behind the
 * latest one, as Flink's `BoundedOutOfOrdernessWatermarks`: the watermark is
 * `maxTimestamp - maxOutOfOrdernessMs - 1`, so a window `[start, end)` is complete once a
 * record with time `>= end + maxOutOfOrdernessMs` has been seen.
 *
 * Driven by the records alone (no wall clock), so that a replay yields the same watermarks.
 */
export class BoundedOutOfOrdernessWatermarks {
  /** The highest event time seen, or `-Infinity` before the first record. */
  maxTimestampMs = -Infinity;
  /** The current watermark: no record at or below it is expected any more. */
  watermarkMs = -Infinity;

  constructor(readonly maxOutOfOrdernessMs: number) {
    if (!Number.isSafeInteger(maxOutOfOrdernessMs) || maxOutOfOrdernessMs < 0) {
      throw new ConfigError(
        '--max-out-of-orderness',
        `must be zero or a positive whole number of milliseconds, got ${maxOutOfOrdernessMs}`,
      );
    }
  }

  /**
   * Takes a record's time; returns `true` when the watermark advanced. O(1). A time that is
   * not finite never moves the watermark (a NaN would otherwise make it go back).
   */
  onEvent(timestampMs: number): boolean {
    if (!(timestampMs > this.maxTimestampMs) || timestampMs === Infinity) return false;
    this.maxTimestampMs = timestampMs;
    this.watermarkMs = timestampMs - this.maxOutOfOrdernessMs - 1;
    return true;
  }

  /**
   * Moves the watermark up to `watermarkMs` as if a record `maxOutOfOrdernessMs + 1` later had
   * been seen: the source's watermark, brought past records a filter dropped before the window.
   * Returns `true` when it advanced.
   */
  advanceTo(watermarkMs: number): boolean {
    if (!(watermarkMs > this.watermarkMs) || watermarkMs === Infinity) return false;
    this.watermarkMs = watermarkMs;
    this.maxTimestampMs = watermarkMs + this.maxOutOfOrdernessMs + 1;
    return true;
  }
}
