import type { AggregateFunction } from '../AggregateFunction.js';

/**
 * The largest value of a numeric field over a window's records.
 * @example max((e: ClickEvent) => e.latency_ms ?? -Infinity)
 */
export function max<IN>(valueOf: (value: IN) => number): AggregateFunction<IN, { max: number }, number> {
  return {
    createAccumulator: () => ({ max: -Infinity }),
    add(acc, value) {
      const v = valueOf(value);
      if (v > acc.max) acc.max = v;
      return acc;
    },
    getResult: (acc) => acc.max,
    merge: (a, b) => ({ max: Math.max(a.max, b.max) }),
  };
}
