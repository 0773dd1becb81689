/** `YYYY-MM-DD`, optionally `THH:MM[:SS[.fff…]]` (or a space for `T`), optionally `Z` or `±HH[:]MM`. */
const ISO_8601 = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.(\d{1,9}))?)?)(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Epoch milliseconds of an ISO-8601 date or date-time, or `NaN` if the text is not one.
 *
 * Stricter than `Date.parse`, which also takes "1" or "March 7, 2025", and a time without
 * an offset is read as UTC, not in the machine's time zone, so that every machine assigns an
 * event to the same window. Digits below the millisecond are rounded, as epoch seconds are,
 * so that one instant gets one event time however it is written.
 */
export function parseIsoTime(text: string): number {
  const match = ISO_8601.exec(text);
  if (match === null) return NaN;
  const [, date, time, fraction, zone] = match;
  const midnightMs = Date.parse(`${date}T00:00:00Z`);
  // Date.parse rolls 2025-02-30 over into March; a calendar date that does not exist is refused.
  if (Number.isNaN(midnightMs) || new Date(midnightMs).toISOString().slice(0, 10) !== date) return NaN;
  if (time === undefined) return midnightMs;
  const offset = zone === undefined ? 'Z' : zone.toUpperCase() === 'Z' ? 'Z' : normaliseOffset(zone);
  // Date.parse checks the ranges (hour ≤ 24, offset ≤ 23:59, …); it truncates a fraction to ms.
  const ms = Date.parse(`${date}T${time}${offset}`);
  if (fraction === undefined || fraction.length <= 3 || Number.isNaN(ms)) return ms;
  return ms - Number(fraction.slice(0, 3)) + Math.round(Number(`0.${fraction}`) * 1000);
}

function normaliseOffset(zone: string): string {
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.length > 2 ? digits.slice(2) : '00'}`;
}
