/**
 * Start of the window of size `sizeMs` that contains `timestampMs`, with windows aligned to
 * the epoch plus `offsetMs` (Flink's `getWindowStartWithOffset`). Correct for negative times too.
 */
export function windowStart(timestampMs: number, offsetMs: number, sizeMs: number): number {
  const remainder = (timestampMs - offsetMs) % sizeMs;
  return remainder < 0 ? timestampMs - (remainder + sizeMs) : timestampMs - remainder;
}
