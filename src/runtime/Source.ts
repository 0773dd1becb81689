import type { Observable } from 'rxjs';
import type { PartitionCheckpoint } from '../operators/PartitionCheckpoint.js';
import type { RecordBatch } from '../operators/RecordBatch.js';

/** How far a partition may be committed once everything emitted so far is written. */
export interface SourceCommit {
  /** The position to resume from: the lowest one a window still needs. */
  readonly safePosition: number;
  readonly checkpoint: PartitionCheckpoint;
}

/**
 * Where a job's records come from. `batches` completes at the end of a bounded input; a
 * source that can resume (Kafka) also takes commits, which the runtime makes only after the
 * sink has flushed every output produced up to them.
 */
export interface Source {
  readonly batches: Observable<RecordBatch<string | Uint8Array>>;
  commit?(commits: ReadonlyMap<number, SourceCommit>): Promise<void>;
  close?(): Promise<void>;
}
