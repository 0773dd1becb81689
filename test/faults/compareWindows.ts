import type { ExpectedWindow, WindowKey } from '../services/referenceWindows.js';

/** How two sets of error-rates windows compare, window by window. */
export interface WindowComparison {
  /** Windows in either set. */
  readonly compared: number;
  /** Keys of the windows that are missing from one set or differ in any count. */
  readonly mismatched: readonly WindowKey[];
}

/**
 * Compares every window of `actual` (read from InfluxDB) with `expected` (a clean run's, or
 * the reference): its URL counts, status counts, totals and error counts; and, where both
 * carry one, its rate.
 */
export function compareWindows(
  actual: ReadonlyMap<WindowKey, ExpectedWindow & { rate?: number }>,
  expected: ReadonlyMap<WindowKey, ExpectedWindow & { rate?: number }>,
): WindowComparison {
  const keys = new Set([...actual.keys(), ...expected.keys()]);
  const mismatched: WindowKey[] = [];
  for (const key of keys) {
    const a = actual.get(key);
    const e = expected.get(key);
    if (a === undefined || e === undefined || canonical(a) !== canonical(e)) mismatched.push(key);
    else if (a.rate !== undefined && e.rate !== undefined && a.rate !== e.rate) mismatched.push(key);
  }
  return { compared: keys.size, mismatched: mismatched.sort() };
}

function canonical(w: ExpectedWindow): string {
  return JSON.stringify([
    [...w.urls].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    [...w.statuses].sort(([a], [b]) => a - b),
    w.total,
    w.clientErrors,
    w.serverErrors,
  ]);
}

/** Events counted in the windows: the sum of their totals. */
export function countedEvents(windows: ReadonlyMap<WindowKey, ExpectedWindow>): number {
  let total = 0;
  for (const w of windows.values()) total += w.total;
  return total;
}
