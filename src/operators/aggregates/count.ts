import type { AggregateFunction } from '../AggregateFunction.js';

/**
 * Counts the records of a window.
 * @example windowAggregate({ aggregate: count(), … }) // emits the number of records per window
 */
export function count<IN>(): AggregateFunction<IN, { n: number }, number> {
  return {
    createAccumulator: () => ({ n: 0 }),
    add(acc) {
      acc.n++;
      return acc;
    },
    getResult: (acc) => acc.n,
    merge: (a, b) => ({ n: a.n + b.n }),
  };
}
