import { BoundedOutOfOrdernessWatermarks } from './BoundedOutOfOrdernessWatermarks.js';
import { CarriedWatermarks } from './CarriedWatermarks.js';
import type { PartitionCheckpoint } from './PartitionCheckpoint.js';
import { PartitionHealth } from './PartitionHealth.js';
import type { RecordBatch } from './RecordBatch.js';
import type { WindowResult } from './WindowResult.js';

/**
 * What every window operator keeps per partition besides its windows: the watermark and the
 * last position processed. Subclasses hold the windows. Whether a record is a replay after a
 * restore, its batch says (`replayedBefore`, from `markReplays`).
 */
export abstract class PartitionState<T, OUT, K> {
  /** From the partition's records, or, downstream of a move or a window, carried by its batches. */
  readonly watermarks: BoundedOutOfOrdernessWatermarks | CarriedWatermarks;
  /** Late and invalid records since the partition's previous firing: each firing takes them. */
  protected readonly health: PartitionHealth;
  protected lastPosition = -1;

  constructor(
    readonly partition: number,
    maxOutOfOrdernessMs: number,
    /** The wall clock a firing's watermark lag is measured on. */
    nowMs: () => number,
    carried = false,
  ) {
    this.watermarks = carried ? new CarriedWatermarks() : new BoundedOutOfOrdernessWatermarks(maxOutOfOrdernessMs);
    this.health = new PartitionHealth(nowMs);
  }

  /**
   * Resumes from a checkpoint: the watermark is set to where it was; the records its batches
   * mark as replayed rebuild the open windows without emitting anything or counting as late.
   */
  restore(checkpoint: PartitionCheckpoint): void {
    this.watermarks.onEvent(checkpoint.maxTimestampMs);
  }

  /** A step (see `PartitionHealth.startStep`) begins: its firings share one reading of the wall clock. */
  startStep(): void {
    this.health.startStep();
  }

  endStep(): void {
    this.health.endStep();
  }

  /** One past the last position processed. */
  get nextPosition(): number {
    return this.lastPosition + 1;
  }

  /**
   * Notes that the source has read up to `endPosition` (exclusive) in this partition although
   * the records after the last processed one never reached the windows (e.g. invalid ones).
   */
  skipTo(endPosition: number): void {
    if (endPosition - 1 > this.lastPosition) this.lastPosition = endPosition - 1;
  }

  /** Adds a batch's records in order, appending every firing to `out`; returns how many were late. */
  abstract process(batch: RecordBatch<T>, out: WindowResult<OUT, K>[]): number;

  /**
   * A carried watermark moved to `watermarkMs` (see {@link CarriedWatermarks}): fires what it
   * reached, appending to `out`.
   */
  abstract onWatermark(watermarkMs: number, out: WindowResult<OUT, K>[]): void;

  /** An early tick: fires, marked `early`, each open window that has not fired and took records since its last early firing. */
  abstract fireEarly(out: WindowResult<OUT, K>[]): void;

  /** End of input: fires every window that has not fired, oldest first, and drops all state. */
  abstract flush(out: WindowResult<OUT, K>[]): void;

  /**
   * The lowest position held by a window that may still fire; one past the last position
   * when none is open. Records before it have all had their final firing.
   */
  abstract safePosition(): number;
}
