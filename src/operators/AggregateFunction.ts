/**
 * How a window folds its records into a result, as Flink's `AggregateFunction`:
 * one accumulator per window (and key), updated by `add` as records arrive, read by
 * `getResult` each time the window fires.
 *
 * `add` may update the accumulator in place and return it (what the built-in aggregates do,
 * so that a keyed window costs one Map lookup per record); if it returns another object,
 * that one replaces the old.
 *
 * `merge` combines two accumulators into one (it may reuse either). Merging windows need it:
 * when a record bridges two event-time sessions, their accumulators become one. Every built-in
 * aggregate has it; an aggregate without it works with every window except sessions.
 */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(accumulator: ACC, value: IN): ACC;
  getResult(accumulator: ACC): OUT;
  merge?(a: ACC, b: ACC): ACC;
}
