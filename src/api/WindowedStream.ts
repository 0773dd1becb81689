import type { AggregateFunction } from '../operators/AggregateFunction.js';
import { requireMerge } from '../operators/aggregates/mergeOrFail.js';
import { durationMs, nonNegativeMs, type Duration } from '../operators/Duration.js';
import { EventTimeTrigger, type Trigger } from '../operators/Trigger.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import type { AggregatedStream } from './AggregatedStream.js';
import type { JobGraph } from './JobGraph.js';
import type { PlanNode } from './PlanNode.js';

/** What a windowed stream has declared before its aggregate. */
export interface WindowDeclaration<T, K> {
  readonly windows: WindowAssigner;
  readonly keyOf: ((record: T) => K) | undefined;
  readonly moves: boolean;
  readonly trigger?: Trigger;
  readonly allowedLatenessMs?: number;
}

/** A windowed stream, as Flink's `WindowedStream`: choose lateness and trigger, then an aggregate. */
export class WindowedStream<T, K> {
  constructor(
    private readonly graph: JobGraph,
    private readonly parent: PlanNode,
    private readonly declaration: WindowDeclaration<T, K>,
  ) {}

  /** How long after a window fired a record may still update it (the window fires again, whole). */
  allowedLateness(lateness: Duration): WindowedStream<T, K> {
    const allowedLatenessMs = nonNegativeMs(durationMs(lateness, 'allowed lateness'), 'allowed lateness');
    return new WindowedStream(this.graph, this.parent, { ...this.declaration, allowedLatenessMs });
  }

  /** When windows fire; default `EventTimeTrigger`. */
  trigger(trigger: Trigger): WindowedStream<T, K> {
    return new WindowedStream(this.graph, this.parent, { ...this.declaration, trigger });
  }

  /**
   * Folds each window (of each key) with `aggregate`: `count()`, `max(f)`, `combine({…})`, or
   * your own. Returns the stream of window results, which can be filtered, mapped, keyed,
   * windowed again and written.
   */
  aggregate<ACC, OUT>(aggregate: AggregateFunction<T, ACC, OUT>): AggregatedStream<OUT, K> {
    const { windows, keyOf, moves, trigger, allowedLatenessMs } = this.declaration;
    if (windows.kind === 'session') requireMerge(aggregate);
    return this.graph.resultsOf<OUT, K>({
      kind: 'window',
      parent: this.parent,
      windows,
      trigger: trigger ?? EventTimeTrigger,
      ...(allowedLatenessMs === undefined ? {} : { allowedLatenessMs }),
      keyOf: keyOf as ((record: unknown) => unknown) | undefined,
      moves,
      aggregate: aggregate as AggregateFunction<unknown, unknown, unknown>,
    });
  }
}
