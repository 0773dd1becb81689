import { Observable, type OperatorFunction } from '../rxjs.js';
import type { AggregateFunction } from './AggregateFunction.js';
import { keyedBy } from './aggregates/keyedBy.js';
import { keyIdentity } from './keyIdentity.js';
import { nonNegativeMs } from './Duration.js';
import { requireMerge } from './aggregates/mergeOrFail.js';
import { PartitionSessions } from './PartitionSessions.js';
import type { PartitionState } from './PartitionState.js';
import { PartitionWindows } from './PartitionWindows.js';
import { markReplays } from './markReplays.js';
import type { RecordBatch } from './RecordBatch.js';
import { EventTimeTrigger, type Trigger } from './Trigger.js';
import type { WindowAssigner } from './WindowAssigner.js';
import type { LateRecord, WindowedBatch, WindowResult } from './WindowResult.js';
import type { WindowHealth } from './WindowHealth.js';

/** Options of {@link windowAggregate}. */
export interface WindowAggregateOptions<T, ACC, OUT, K = undefined> {
  /** Which windows a record belongs to: `TumblingEventTimeWindows.of(…)`, `SlidingEventTimeWindows.of(…)` or `EventTimeSessionWindows.withGap(…)`. */
  readonly windows: WindowAssigner;
  /** When windows fire; default {@link EventTimeTrigger}. */
  readonly trigger?: Trigger;
  /**
   * A record's event time in epoch milliseconds. Needed unless every batch carries
   * `timestampsMs` (what the job API's sources assign).
   */
  readonly eventTimeOf?: (record: T) => number;
  /** Keyed windows: one window (and one result) per key, as Flink's `keyBy`. */
  readonly keyOf?: (record: T) => K;
  /** How far behind the latest record another may arrive and still be on time, in ms. */
  readonly maxOutOfOrdernessMs: number;
  /** How long after a window fired a record may still update it, in ms. Default 0. */
  readonly allowedLatenessMs?: number;
  /** What each window (of each key) computes. */
  readonly aggregate: AggregateFunction<T, ACC, OUT>;
  /** Late-data side output: every record that arrived after all its windows closed. */
  readonly onLate?: (late: LateRecord<T>) => void;
  /** The wall clock a firing's `health.watermarkLagMs` is measured on; default `Date.now`. */
  readonly nowMs?: () => number;
  /**
   * Set downstream of a move between partitions or of another window: the watermark is each
   * batch's `watermarkMs` instead of being derived from the records (`maxOutOfOrdernessMs` then
   * plays no part), held back by this many ms. The job API holds session windows back by
   * `gap + allowedLateness`, so that no record still on time at any writer can merge into a
   * session that has fired, and windows after a move by their allowed lateness, so that they
   * fire once. Default: undefined (from the records).
   */
  readonly carriedWatermarkShiftMs?: number;
}

/**
 * Event-time window aggregation, per partition, with Flink's semantics.
 *
 * Each partition has its own bounded-out-of-orderness watermark and its own windows, so a
 * window's result depends only on that partition's records in order, never on how the
 * partitions interleave. Emits one {@link WindowedBatch} per input batch: the windows that
 * fired while it was processed (by default a window fires when a record with time
 * `>= end + maxOutOfOrdernessMs` arrives, and again for each record within the allowed
 * lateness), and the partition's watermark and safe position. When the input completes,
 * every window still open fires (Flink's end-of-input watermark) and the output completes.
 * Each result carries its partition's {@link WindowHealth}: the window's record count, the late
 * and invalid records (`RecordBatch.invalidPositions`) since the partition's previous firing,
 * and the watermark's lag behind the wall clock.
 *
 * A batch with `restore` restarts its partition from a checkpoint; one with `revoked` drops
 * the partition's windows unfired (its new owner re-reads them from the committed position);
 * one with `endOfInput` fires the partition's open windows as the end of the input would,
 * reports its progress at the batch's `endPosition` and drops its state, leaving the other
 * partitions as they are; one with `early` (a tick of early firings) fires, marked `early`, the
 * unfired tumbling and hopping windows that took records since their last early firing, and
 * emits them flagged `early`.
 *
 * @example
 * batches$.pipe(windowAggregate({
 *   windows: TumblingEventTimeWindows.of('10s'),
 *   eventTimeOf: (e: ClickEvent) => e.eventTimeMs,
 *   keyOf: (e: ClickEvent) => e.url,
 *   maxOutOfOrdernessMs: 5_000,
 *   aggregate: count(),
 * })) // one result per URL and window: its number of events
 */
export function windowAggregate<T, ACC, OUT, K = undefined>(
  options: WindowAggregateOptions<T, ACC, OUT, K>,
): OperatorFunction<RecordBatch<T>, WindowedBatch<OUT, K>> {
  const allowedLatenessMs = nonNegativeMs(options.allowedLatenessMs ?? 0, '--allowed-lateness');
  const newPartition = partitionFactory(options, allowedLatenessMs);
  const carried = options.carriedWatermarkShiftMs !== undefined;
  const shiftMs = options.carriedWatermarkShiftMs ?? 0;
  // Fail at construction, not on the first record.
  newPartition(0);

  return (source) =>
    new Observable<WindowedBatch<OUT, K>>((subscriber) => {
      const partitions = new Map<number, PartitionState<T, OUT, K>>();
      const progress = (state: PartitionState<T, OUT, K>, results: WindowResult<OUT, K>[], lateRecords: number) => ({
        partition: state.partition,
        results,
        watermarkMs: state.watermarks.watermarkMs,
        maxTimestampMs: state.watermarks.maxTimestampMs,
        safePosition: state.safePosition(),
        nextPosition: state.nextPosition,
        lateRecords,
      });
      // Self-contained as an operator: a restore's replay is marked here when no step before did.
      const subscription = source.pipe(markReplays()).subscribe({
        next(batch) {
          if (batch.revoked === true) {
            partitions.delete(batch.partition);
            return;
          }
          let state = partitions.get(batch.partition);
          if (state === undefined || batch.restore !== undefined) {
            state = newPartition(batch.partition);
            if (batch.restore) state.restore(batch.restore);
            partitions.set(batch.partition, state);
          }
          const results: WindowResult<OUT, K>[] = [];
          let lateRecords: number;
          const early = batch.early === true;
          state.startStep();
          try {
            lateRecords = state.process(batch, results);
            if (batch.endPosition !== undefined) state.skipTo(batch.endPosition);
            if (carried && batch.watermarkMs !== undefined) state.onWatermark(batch.watermarkMs - shiftMs, results);
            if (early) {
              state.fireEarly(results);
            } else if (batch.endOfInput === true) {
              state.flush(results);
              partitions.delete(batch.partition);
            }
          } catch (error) {
            subscriber.error(error);
            return;
          } finally {
            state.endStep();
          }
          subscriber.next(early ? { ...progress(state, results, lateRecords), early: true } : progress(state, results, lateRecords));
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          const ordered = [...partitions.values()].sort((a, b) => a.partition - b.partition);
          for (const state of ordered) {
            const results: WindowResult<OUT, K>[] = [];
            state.startStep();
            try {
              state.flush(results);
            } catch (error) {
              // As for a batch: the output errors, rather than an unhandled exception ending the process.
              subscriber.error(error);
              return;
            } finally {
              state.endStep();
            }
            subscriber.next(progress(state, results, 0));
          }
          partitions.clear();
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        partitions.clear();
      };
    });
}

/** The per-partition state the assigner calls for. */
function partitionFactory<T, ACC, OUT, K>(
  options: WindowAggregateOptions<T, ACC, OUT, K>,
  allowedLatenessMs: number,
): (partition: number) => PartitionState<T, OUT, K> {
  const { windows, eventTimeOf, keyOf, maxOutOfOrdernessMs, aggregate, onLate } = options;
  const nowMs = options.nowMs ?? Date.now;
  const trigger = options.trigger ?? EventTimeTrigger;
  const carriedWatermark = options.carriedWatermarkShiftMs !== undefined;
  if (windows.kind === 'session') {
    requireMerge(aggregate);
    const config = {
      windows,
      trigger,
      eventTimeOf,
      // Keys are compared by value; PartitionSessions gives a composite key back as it was given.
      keyOf: keyOf === undefined ? ((() => undefined) as unknown as (record: T) => K) : (record: T) => keyIdentity(keyOf(record)) as K,
      carriedWatermark,
      maxOutOfOrdernessMs,
      allowedLatenessMs,
      aggregate,
      onLate,
      nowMs,
    };
    return (partition) => new PartitionSessions(partition, config);
  }
  // A keyed aligned window keeps its keys in one Map per window: one lookup per record.
  const config = {
    windows,
    trigger,
    eventTimeOf,
    maxOutOfOrdernessMs,
    allowedLatenessMs,
    aggregate: (keyOf === undefined ? aggregate : keyedBy(keyOf, aggregate)) as AggregateFunction<T, unknown, OUT>,
    keyed: keyOf !== undefined,
    carriedWatermark,
    onLate,
    nowMs,
  };
  return (partition) => new PartitionWindows(partition, config);
}
