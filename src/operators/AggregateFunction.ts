/**
 * How a window folds its records into a result, as Flink's `AggregateFunction`:
 * one accumulator per window (and key), updated by `add` as records arrive, read by
 * `getResult` each time the window fires.
 *
 * `add` may update the accumulator in place and return it (what the built-in aggregates do,
 * so that a keyed window costs one Map lookup per record); if it returns another object,
 * that one replaces the old.
 */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(accumulator: ACC, value: IN): ACC;
  getResult(accumulator: ACC): OUT;
}
