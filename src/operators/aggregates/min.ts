import type { AggregateFunction } from '../AggregateFunction.js';

/**
 * The smallest value of a numeric field over a window's records (`Infinity` never shows:
 * a window only fires when it has records).
 * @example min((e: ClickEvent) => e.latency_ms ?? Infinity)
 */
export function min<IN>(valueOf: (value: IN) => number): AggregateFunction<IN, { min: number }, number> {
  return {
    createAccumulator: () => ({ min: Infinity }),
    add(acc, value) {
      const v = valueOf(value);
      if (v < acc.min) acc.min = v;
      return acc;
    },
    getResult: (acc) => acc.min,
    merge: (a, b) => ({ min: Math.min(a.min, b.min) }),
  };
}
