/** The bounds of a window, `[startMs, endMs)` in epoch milliseconds. */
export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * When a window fires, as Flink's `Trigger`: asked when a record enters a window, and
 * asked for the watermark at which an unfired window fires by itself. The window operators
 * keep one timer per partition (the lowest of these), so a trigger costs nothing per record
 * beyond `onElement`.
 */
export interface Trigger {
  /** Whether `window`, having just received a record, fires now at `watermarkMs`. */
  onElement(window: TimeWindow, watermarkMs: number): boolean;
  /** The watermark at which `window` fires if no record makes it fire earlier. */
  fireAtMs(window: TimeWindow): number;
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
