import type { WindowAssigner } from '../operators/WindowAssigner.js';
import type { JobGraph } from './JobGraph.js';
import type { PlanNode } from './PlanNode.js';
import { WindowedStream } from './WindowedStream.js';

/** A stream grouped by key, as Flink's `KeyedStream`: its windows are per key. */
export class KeyedStream<T, K> {
  constructor(
    private readonly graph: JobGraph,
    private readonly node: PlanNode,
    private readonly keyOf: (record: T) => K,
    /** Whether records move between partitions by key before the window (false: the source is partitioned by it). */
    private readonly moves: boolean,
  ) {}

  /** Windows per key: `TumblingEventTimeWindows`, `SlidingEventTimeWindows` or `EventTimeSessionWindows`. */
  window(assigner: WindowAssigner): WindowedStream<T, K> {
    return new WindowedStream<T, K>(this.graph, this.node, { windows: assigner, keyOf: this.keyOf, moves: this.moves });
  }
}
