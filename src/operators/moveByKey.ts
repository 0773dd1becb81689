import { Observable, type OperatorFunction } from '../rxjs.js';
import { BoundedOutOfOrdernessWatermarks } from './BoundedOutOfOrdernessWatermarks.js';
import { CarriedWatermarks } from './CarriedWatermarks.js';
import { keyIdentity } from './keyIdentity.js';
import { partitionOfKey } from './partitionOfKey.js';
import type { RecordBatch } from './RecordBatch.js';
import type { LateRecord } from './WindowResult.js';

/** Options of {@link moveByKey}. */
export interface MoveByKeyOptions<T> {
  /** The key records are moved by: all records of one key go to one partition. */
  readonly keyOf: (record: T) => unknown;
  /** How many partitions write (0 … partitions − 1) and how many are read after the move. */
  readonly partitions: number;
  /**
   * Set when each writer's watermark is to be derived from its records: the bound of their
   * out-of-orderness. Absent when the input carries it: `RecordBatch.recordWatermarksMs` per
   * record and `RecordBatch.watermarkMs` after each batch (what the job API sets at the source,
   * before any filter, and what window results carry).
   */
  readonly maxOutOfOrdernessMs?: number;
  /** The rule of the window after the move (see `latenessRule`), applied at the writing partition. */
  readonly isLate: (timeMs: number, watermarkMs: number) => boolean;
  /** Records late at their own partition: counted and routed here, never moved. */
  readonly onLate?: (late: LateRecord<T>) => void;
}

/**
 * Flink's `keyBy` as a real move: re-partitions records by key, so that a window after it sees
 * every record of a key whichever partition it was read from.
 *
 * Each writing partition keeps its own watermark (from its records, or the one its batches
 * carry) and decides lateness there, in its own order, before its records meet others: a
 * record's fate never depends on how partitions interleave. Each moved record carries its
 * writer's watermark (`recordWatermarksMs`), by which the window after the move judges it. Every output batch carries the
 * watermark of the partitions read after the move: the minimum over all writers, so a window
 * fires only once every writer has passed it, and no writer's on-time record can arrive after.
 * Each writer's records keep their order within every output partition.
 *
 * Emits, for each input batch, one batch per output partition that received records, and one
 * for every output partition when the minimum watermark advanced. Records late at their
 * partition go to `onLate` and are not moved.
 *
 * @example
 * batches$.pipe(moveByKey({ keyOf: (e) => e.user_id, partitions: 3, maxOutOfOrdernessMs: 5_000, isLate: latenessRule(windows, 0) }),
 *   windowAggregate({ windows, keyOf: (e) => e.user_id, carriedWatermarkShiftMs: 0, … }))
 */
export function moveByKey<T>(options: MoveByKeyOptions<T>): OperatorFunction<RecordBatch<T>, RecordBatch<T>> {
  const { keyOf, partitions, maxOutOfOrdernessMs, isLate, onLate } = options;
  return (source) =>
    new Observable<RecordBatch<T>>((subscriber) => {
      const carried = maxOutOfOrdernessMs === undefined;
      const writers = Array.from({ length: partitions }, () =>
        carried ? new CarriedWatermarks() : new BoundedOutOfOrdernessWatermarks(maxOutOfOrdernessMs),
      );
      let watermarkMs = -Infinity;
      const subscription = source.subscribe({
        next(batch) {
          const writer = writers[batch.partition];
          if (writer === undefined) {
            subscriber.error(new RangeError(`a batch of partition ${batch.partition} reached a move over partitions 0–${partitions - 1}`));
            return;
          }
          const { records, timestampsMs, raws, positions, recordWatermarksMs } = batch;
          const routed: { records: T[]; timestampsMs: number[]; watermarksMs: number[]; raws: (string | Uint8Array)[] | undefined }[] = [];
          try {
            for (let i = 0; i < records.length; i++) {
              const record = records[i]!;
              const timeMs = timestampsMs![i]!;
              // A carried batch watermark applies after the batch's records, so without one per record they meet the one before.
              const writerWatermarkMs = recordWatermarksMs === undefined ? writer.watermarkMs : recordWatermarksMs[i]!;
              if (isLate(timeMs, writerWatermarkMs)) {
                onLate?.({ record, raw: raws?.[i], partition: batch.partition, position: positions?.[i] ?? -1, eventTimeMs: timeMs, watermarkMs: writerWatermarkMs });
              } else {
                const target = partitionOfKey(keyIdentity(keyOf(record)), partitions);
                const out = (routed[target] ??= { records: [], timestampsMs: [], watermarksMs: [], raws: raws === undefined ? undefined : [] });
                out.records.push(record);
                out.timestampsMs.push(timeMs);
                out.watermarksMs.push(writerWatermarkMs);
                out.raws?.push(raws![i]!);
              }
              writer.onEvent(timeMs);
            }
          } catch (error) {
            subscriber.error(error);
            return;
          }
          if (batch.watermarkMs !== undefined && writer instanceof CarriedWatermarks) writer.advanceTo(batch.watermarkMs);
          const previous = watermarkMs;
          if (writer.watermarkMs > watermarkMs) watermarkMs = minimumOf(writers);
          for (let target = 0; target < partitions; target++) {
            const out = routed[target];
            if (out !== undefined) {
              subscriber.next({ partition: target, records: out.records, timestampsMs: out.timestampsMs, recordWatermarksMs: out.watermarksMs, raws: out.raws, watermarkMs });
            }
            else if (watermarkMs > previous) subscriber.next({ partition: target, records: [], timestampsMs: [], watermarkMs });
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => subscription.unsubscribe();
    });
}

function minimumOf(writers: readonly { readonly watermarkMs: number }[]): number {
  let min = Infinity;
  for (const writer of writers) if (writer.watermarkMs < min) min = writer.watermarkMs;
  return min;
}
