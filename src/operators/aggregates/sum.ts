import type { AggregateFunction } from '../AggregateFunction.js';

/**
 * Sums a numeric field over a window's records.
 * @param valueOf the number to add for one record
 * @example sum((e: ClickEvent) => e.latency_ms ?? 0)
 */
export function sum<IN>(valueOf: (value: IN) => number): AggregateFunction<IN, { total: number }, number> {
  return {
    createAccumulator: () => ({ total: 0 }),
    add(acc, value) {
      acc.total += valueOf(value);
      return acc;
    },
    getResult: (acc) => acc.total,
    merge: (a, b) => ({ total: a.total + b.total }),
  };
}
