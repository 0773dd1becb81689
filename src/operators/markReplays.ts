import { map, type MonoTypeOperatorFunction } from '../rxjs.js';
import type { RecordBatch } from './RecordBatch.js';

/**
 * The one place that decides what is a replay: stamps `replayedBefore` on the batches of a
 * partition restored from a checkpoint (`restore`), from the restore on for as long as they
 * hold records before the checkpoint's `replayUntil`. Those records were processed before the
 * restart: the steps after rebuild their state from them but route, count and write nothing
 * for them again. Every other batch passes untouched.
 *
 * Put it first, where the source's batches come in: the job's graph does, and `parseRecords`
 * and `windowAggregate` do for their own input, so that each works alone; a batch marked
 * already passes as it is.
 */
export function markReplays<T>(): MonoTypeOperatorFunction<RecordBatch<T>> {
  return (source) => {
    // Per partition still replaying: the checkpoint's replayUntil.
    const replayUntil = new Map<number, number>();
    return source.pipe(
      map((batch) => {
        if (batch.replayedBefore !== undefined) return batch;
        const { partition } = batch;
        if (batch.restore !== undefined) {
          if (batch.restore === null) replayUntil.delete(partition);
          else replayUntil.set(partition, batch.restore.replayUntil);
        }
        if (replayUntil.size === 0) return batch;
        const until = replayUntil.get(partition);
        if (until === undefined) return batch;
        if (batch.revoked === true) {
          replayUntil.delete(partition);
          return batch;
        }
        const first = batch.positions?.[0];
        // Positions only grow: once a batch starts at or past the boundary, the replay is over.
        if (first !== undefined && first >= until) {
          replayUntil.delete(partition);
          return batch;
        }
        return { ...batch, replayedBefore: until };
      }),
    );
  };
}
