import type { WindowAssigner } from '../operators/WindowAssigner.js';
import type { StreamPlan } from './StreamPlan.js';
import { WindowedStream } from './WindowedStream.js';

/** A stream partitioned by key, as Flink's `KeyedStream`: its windows are per key. */
export class KeyedStream<T, K> {
  constructor(
    private readonly plan: StreamPlan,
    private readonly keyOf: (record: T) => K,
  ) {}

  /** Windows per key: `TumblingEventTimeWindows`, `SlidingEventTimeWindows` or `EventTimeSessionWindows`. */
  window(assigner: WindowAssigner): WindowedStream<T, K> {
    return WindowedStream.of(this.plan, assigner, this.keyOf);
  }
}
