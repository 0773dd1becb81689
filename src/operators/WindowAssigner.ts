/**
 * Which windows a record belongs to: every `[start, start + sizeMs)` with
 * `start ≡ offsetMs (mod slideMs)` that contains the record's time. Tumbling windows are the
 * case `slideMs === sizeMs` (one window per record); hopping windows have `slideMs < sizeMs`
 * (`sizeMs / slideMs` windows per record).
 *
 * Build one with {@link TumblingWindows.of} or {@link SlidingWindows.of}, which validate it.
 */
export interface WindowAssigner {
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly offsetMs: number;
}
