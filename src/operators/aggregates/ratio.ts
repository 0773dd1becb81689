import type { AggregateFunction } from '../AggregateFunction.js';

/** Result of {@link ratio}: the matching records, all records, and their quotient. */
export interface Ratio {
  readonly matching: number;
  readonly total: number;
  /** `matching / total`, from 0 to 1. */
  readonly ratio: number;
}

/**
 * The share of a window's records that match a predicate, with both counts kept exact so
 * that ratios can be re-derived from sums across partitions.
 * @example ratio((e: ClickEvent) => (e.http_status ?? 0) >= 500) // server-error rate
 */
export function ratio<IN>(
  matches: (value: IN) => boolean,
): AggregateFunction<IN, { matching: number; total: number }, Ratio> {
  return {
    createAccumulator: () => ({ matching: 0, total: 0 }),
    add(acc, value) {
      acc.total++;
      if (matches(value)) acc.matching++;
      return acc;
    },
    getResult: ({ matching, total }) => ({ matching, total, ratio: total === 0 ? 0 : matching / total }),
    merge: (a, b) => ({ matching: a.matching + b.matching, total: a.total + b.total }),
  };
}
