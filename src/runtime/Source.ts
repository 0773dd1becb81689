import type { MoveTransport } from './moves/MoveTransport.js';
import type { Observable } from '../rxjs.js';
import type { PartitionCheckpoint } from '../operators/PartitionCheckpoint.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import type { OutputMarks, ResumePoint } from './OutputMarks.js';

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
  /**
   * How many partitions the source reads (0 … n − 1), when it reads them all in this process:
   * a move between partitions waits for every one's watermark. Default 1 (a file, stdin).
   */
  readonly partitionCount?: number;
  /**
   * Where the job's moves between partitions go, when the source is read by several processes
   * (Kafka's internal topics, asked for by `ConnectorContext.moves`): the batches of their
   * partitions then come on `batches` too. Flushed with the outputs, before each commit.
   */
  readonly transport?: MoveTransport;
  /** Stores the positions, and beside them the outputs' marks, for a restart to resume from. */
  commit?(commits: ReadonlyMap<number, SourceCommit>, marks?: OutputMarks): Promise<void>;
  /**
   * How many partitions were read from where a group without their commit starts (a fresh
   * group) and are not committed since. The runtime commits them at that start (`commitStarts`)
   * before it flushes any output: else a crash between that flush and their first commit leaves
   * the next run no resume point, and a dead-letter topic, which recognizes what it already
   * holds by the time of the last commit, would receive their invalid records again.
   */
  uncommittedStarts?(): number;
  /** Commits those partitions where they started, with the outputs' marks as they opened. */
  commitStarts?(marks: OutputMarks): Promise<void>;
  /**
   * What the last run committed for the outputs, read before they open so that they resume
   * where it left them; `undefined` when nothing was committed (a fresh consumer group).
   */
  resumePoint?(): Promise<ResumePoint | undefined>;
  close?(): Promise<void>;
}
