import type { ValidationFailure } from '../events/validateClickEvent.js';
import { durationMs, nonNegativeMs, type Duration } from '../operators/Duration.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import { filterStage } from './filterStage.js';
import { KeyedStream } from './KeyedStream.js';
import { mapStage } from './mapStage.js';
import type { StreamPlan } from './StreamPlan.js';
import { WindowedStream } from './WindowedStream.js';

/**
 * A stream of typed records with event times, as Flink's `DataStream`. Every step returns a
 * new stream; the runtime carries positions, event times and the raw records around the
 * functions given here, so no step can break commits or side outputs.
 */
export class DataStream<T> {
  constructor(private readonly plan: StreamPlan) {}

  /** Keeps the records `predicate` is true for; the others are dropped on purpose, unreported. */
  filter(predicate: (record: T) => boolean): DataStream<T> {
    return this.with(filterStage<T>((record) => (predicate(record) ? null : DROPPED), false));
  }

  /** Replaces each record by `fn(record)`; its event time stays the one the format assigned. */
  map<U>(fn: (record: T) => U): DataStream<U> {
    return this.with(mapStage(fn)) as unknown as DataStream<U>;
  }

  /**
   * Refuses records with a reason of the job's own: each record `check` returns a failure
   * for goes to the dead-letter output with it, and is counted under that reason.
   * @example .validate((e) => e.url.startsWith('/') ? null : { reason: 'relative_url', detail: `url ${e.url} has no leading /` })
   */
  validate(check: (record: T) => ValidationFailure | null): DataStream<T> {
    return this.with(filterStage(check, true));
  }

  /** How far behind the newest record another may arrive and still be on time (the watermark's bound). */
  withMaxOutOfOrderness(bound: Duration): DataStream<T> {
    return new DataStream({ ...this.plan, maxOutOfOrdernessMs: nonNegativeMs(durationMs(bound, 'max out-of-orderness'), 'max out-of-orderness') });
  }

  /** Partitions the records by key: windows after it hold one state and emit one result per key. */
  keyBy<K>(keyOf: (record: T) => K): KeyedStream<T, K> {
    return new KeyedStream(this.plan, keyOf);
  }

  /** Windows over all of a partition's records (no key). */
  window(assigner: WindowAssigner): WindowedStream<T, undefined> {
    return WindowedStream.of<T, undefined>(this.plan, assigner, undefined);
  }

  private with(stage: StreamPlan['stages'][number]): DataStream<T> {
    return new DataStream({ ...this.plan, stages: [...this.plan.stages, stage] });
  }
}

const DROPPED: ValidationFailure = { reason: 'filtered', detail: 'dropped by the job’s filter' };
