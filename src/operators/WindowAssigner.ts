/**
 * Which windows a record belongs to, decided from its event time alone.
 *
 * - `aligned`: every `[start, start + sizeMs)` with `start ≡ offsetMs (mod slideMs)` that
 *   contains the record's time. Tumbling windows are `slideMs === sizeMs` (one window per
 *   record); hopping windows have `slideMs < sizeMs` (`sizeMs / slideMs` windows per record).
 * - `session`: a window `[t, t + gapMs)` per record, merged with every session of the same key
 *   it touches, so a session ends after `gapMs` without records (Flink's merging windows).
 *
 * Build one with {@link TumblingEventTimeWindows}, {@link SlidingEventTimeWindows} or
 * {@link EventTimeSessionWindows}, which validate it.
 */
export type WindowAssigner = AlignedWindowAssigner | SessionWindowAssigner;

export interface AlignedWindowAssigner {
  readonly kind: 'aligned';
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly offsetMs: number;
}

export interface SessionWindowAssigner {
  readonly kind: 'session';
  readonly gapMs: number;
}
