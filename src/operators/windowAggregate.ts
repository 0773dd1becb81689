import { Observable, type OperatorFunction } from 'rxjs';
import { ConfigError } from '../errors/ConfigError.js';
import type { AggregateFunction } from './AggregateFunction.js';
import { PartitionWindows, type PartitionWindowsConfig } from './PartitionWindows.js';
import type { RecordBatch } from './RecordBatch.js';
import type { WindowAssigner } from './WindowAssigner.js';
import type { LateRecord, WindowedBatch, WindowResult } from './WindowResult.js';

/** Options of {@link windowAggregate}. */
export interface WindowAggregateOptions<T, ACC, OUT> {
  /** Which windows a record belongs to: `TumblingWindows.of(…)` or `SlidingWindows.of(…)`. */
  readonly windows: WindowAssigner;
  /** A record's event time in epoch milliseconds. */
  readonly eventTimeOf: (record: T) => number;
  /** How far behind the latest record another may arrive and still be on time, in ms. */
  readonly maxOutOfOrdernessMs: number;
  /** How long after a window fired a record may still update it, in ms. Default 0. */
  readonly allowedLatenessMs?: number;
  /** What each window computes. */
  readonly aggregate: AggregateFunction<T, ACC, OUT>;
  /** Late-data side output: every record that arrived after all its windows closed. */
  readonly onLate?: (late: LateRecord<T>) => void;
}

/**
 * Event-time window aggregation, per partition, with Flink's semantics.
 *
 * Each partition has its own bounded-out-of-orderness watermark and its own windows, so a
 * window's result depends only on that partition's records in order, never on how the
 * partitions interleave. Emits one {@link WindowedBatch} per input batch: the windows that
 * fired while it was processed (a window fires when a record with time
 * `>= end + maxOutOfOrdernessMs` arrives, and again for each record within the allowed
 * lateness), and the partition's watermark and safe position. When the input completes,
 * every window still open fires (Flink's end-of-input watermark) and the output completes.
 *
 * A batch with `restore` restarts its partition from a checkpoint; one with `revoked` drops
 * the partition's windows unfired (its new owner re-reads them from the committed position).
 *
 * @example
 * batches$.pipe(windowAggregate({
 *   windows: TumblingWindows.of(10_000),
 *   eventTimeOf: (e: ClickEvent) => e.eventTimeMs,
 *   maxOutOfOrdernessMs: 5_000,
 *   aggregate: keyedBy((e: ClickEvent) => e.url, count()),
 * }))
 */
export function windowAggregate<T, ACC, OUT>(
  options: WindowAggregateOptions<T, ACC, OUT>,
): OperatorFunction<RecordBatch<T>, WindowedBatch<OUT>> {
  const allowedLatenessMs = options.allowedLatenessMs ?? 0;
  if (!Number.isSafeInteger(allowedLatenessMs) || allowedLatenessMs < 0) {
    throw new ConfigError(
      '--allowed-lateness',
      `must be zero or a positive whole number of milliseconds, got ${allowedLatenessMs}`,
    );
  }
  const config: PartitionWindowsConfig<T, ACC, OUT> = {
    windows: options.windows,
    eventTimeOf: options.eventTimeOf,
    maxOutOfOrdernessMs: options.maxOutOfOrdernessMs,
    allowedLatenessMs,
    aggregate: options.aggregate,
    onLate: options.onLate,
  };
  // Fail at construction, not on the first record.
  new PartitionWindows(0, config);

  return (source) =>
    new Observable<WindowedBatch<OUT>>((subscriber) => {
      const partitions = new Map<number, PartitionWindows<T, ACC, OUT>>();
      const progress = (state: PartitionWindows<T, ACC, OUT>, results: WindowResult<OUT>[], lateRecords: number) => ({
        partition: state.partition,
        results,
        watermarkMs: state.watermarks.watermarkMs,
        maxTimestampMs: state.watermarks.maxTimestampMs,
        safePosition: state.safePosition(),
        nextPosition: state.nextPosition,
        lateRecords,
      });
      const subscription = source.subscribe({
        next(batch) {
          if (batch.revoked === true) {
            partitions.delete(batch.partition);
            return;
          }
          let state = partitions.get(batch.partition);
          if (state === undefined || batch.restore !== undefined) {
            state = new PartitionWindows(batch.partition, config);
            if (batch.restore) state.restore(batch.restore);
            partitions.set(batch.partition, state);
          }
          const results: WindowResult<OUT>[] = [];
          let lateRecords: number;
          try {
            lateRecords = state.process(batch.records, batch.positions, results);
            if (batch.endPosition !== undefined) state.skipTo(batch.endPosition);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          subscriber.next(progress(state, results, lateRecords));
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          const ordered = [...partitions.values()].sort((a, b) => a.partition - b.partition);
          for (const state of ordered) {
            const results: WindowResult<OUT>[] = [];
            state.flush(results);
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
