import { ConfigError } from '../errors/ConfigError.js';
import { DEFAULTS } from '../config/defaults.js';
import { MAX_TIMER_MS } from '../time/maxTimerMs.js';
import { formatDuration } from '../time/parseDuration.js';
import { durationMs, type Duration } from './Duration.js';

/** The bounds of a window, `[startMs, endMs)` in epoch milliseconds. */
export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * When a window fires, as Flink's `Trigger`: asked when a record enters a window, and
 * asked for the watermark at which an unfired window fires by itself. The window operators
 * keep one timer per partition (the lowest of these), so a trigger costs nothing per record
 * beyond `onElement`. The window it is shown is valid during the call only (session windows
 * reuse one object): keep its bounds, not the window.
 */
export interface Trigger {
  /** Whether `window`, having just received a record, fires now at `watermarkMs`. */
  onElement(window: TimeWindow, watermarkMs: number): boolean;
  /** The watermark at which `window` fires if no record makes it fire earlier. */
  fireAtMs(window: TimeWindow): number;
  /**
   * Also fire every this many ms of wall-clock time what a window holds so far, while it is
   * open, as Flink's `ContinuousProcessingTimeTrigger` (see {@link EarlyFiringTrigger}). Early
   * results are marked `early`; the on-time firing replaces them. Absent: no early firings.
   */
  readonly earlyEveryMs?: number;
}

/**
 * Flink's `EventTimeTrigger`, the default: a window fires once the watermark reaches its
 * last millisecond (`end - 1`), and again for each record that arrives after that within
 * the allowed lateness.
 */
export const EventTimeTrigger: Trigger = {
  onElement: (window, watermarkMs) => window.endMs - 1 <= watermarkMs,
  fireAtMs: (window) => window.endMs - 1,
};

/**
 * The default trigger with early firings: every `every` of wall-clock time a tumbling or hopping
 * window that received records since its last firing fires what it holds so far, marked
 * `early`, and then once more, as always, when the watermark reaches its end. The on-time result
 * is exactly that of a run without early firings. `clickflow run --early-every` sets it on the
 * windows over the source.
 */
export const EarlyFiringTrigger = {
  every(every: Duration): Trigger {
    const earlyEveryMs = durationMs(every, 'early firing interval');
    checkEarlyEveryMs(earlyEveryMs);
    return { ...EventTimeTrigger, earlyEveryMs };
  },
};

/**
 * @throws ConfigError unless `ms` is whole milliseconds a timer can wait, at least
 * `DEFAULTS.minEarlyEveryMs` (more often would spend the job on firing)
 */
export function checkEarlyEveryMs(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < DEFAULTS.minEarlyEveryMs || ms > MAX_TIMER_MS) {
    throw new ConfigError('--early-every', `must be whole milliseconds from ${formatDuration(DEFAULTS.minEarlyEveryMs)} to ${formatDuration(24 * 86_400_000)}, got ${ms} ms; early firings every second or so are plenty for a chart`);
  }
}
