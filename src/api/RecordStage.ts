import type { JobContext } from '../jobs/Job.js';
import type { RecordBatch } from '../operators/RecordBatch.js';

/**
 * A per-record step between decoding and windowing (`filter`, `map`, `validate`), applied to
 * a whole batch. Whatever it drops, positions, event times and raw records stay parallel to
 * the records, and `endPosition` still covers every record read, so commits stay exact.
 */
export type RecordStage = (context: JobContext) => (batch: RecordBatch<unknown>) => RecordBatch<unknown>;

/** The batch's `endPosition`, or one past its last position: dropped records still count as read. */
export function endPositionOf(batch: RecordBatch<unknown>): number | undefined {
  if (batch.endPosition !== undefined) return batch.endPosition;
  const positions = batch.positions;
  return positions === undefined || positions.length === 0 ? undefined : positions[positions.length - 1]! + 1;
}
