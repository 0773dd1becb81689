import type { MovedCheckpoint } from '../runtime/moves/MovedCheckpoint.js';
import type { Point } from '../points/Point.js';

/**
 * What a job hands its sink for each input batch: the points of the windows that fired and
 * the progress of the partition they came from, which tells a source how far it may commit
 * once they are written.
 */
export interface JobOutput {
  readonly partition: number;
  readonly points: readonly Point[];
  /** Lines for the job's record outputs (`toRecords`), by output name; absent when there are none. */
  readonly recordLines?: readonly RecordLine[];
  readonly windowsFired: number;
  readonly lateRecords: number;
  readonly watermarkMs: number;
  readonly maxTimestampMs: number;
  /** See `WindowedBatch.safePosition`. */
  readonly safePosition: number;
  /** See `WindowedBatch.nextPosition`. */
  readonly nextPosition: number;
  /** A partition of an internal topic: its readers' state at `safePosition`, committed beside it. */
  readonly moved?: MovedCheckpoint;
}

/** One JSON line for the record output `output`. */
export interface RecordLine {
  readonly output: string;
  readonly line: string;
}
