/** The widest time `Date` can express, in ms either side of the epoch. */
const DATE_LIMIT_MS = 8.64e15;

/** Epoch milliseconds as ISO-8601, or `null` where `Date` cannot express them (±Infinity, NaN, beyond ±275 000 years). */
export function isoTimeOrNull(ms: number): string | null {
  return Number.isFinite(ms) && Math.abs(ms) <= DATE_LIMIT_MS ? new Date(ms).toISOString() : null;
}
