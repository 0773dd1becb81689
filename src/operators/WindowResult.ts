import type { WindowHealth } from './WindowHealth.js';

/** One firing of one window of one partition (and of one key, for a keyed window). */
export interface WindowResult<OUT, K = undefined> {
  readonly partition: number;
  /** The key of a keyed window; `undefined` for a window over all the partition's records. */
  readonly key: K;
  /** Window start, epoch ms, inclusive. */
  readonly startMs: number;
  /** Window end, epoch ms, exclusive. */
  readonly endMs: number;
  readonly value: OUT;
  /**
   * 0 for the on-time firing; 1, 2, … for each re-emission caused by a record that arrived
   * within the allowed lateness. A later firing carries the whole window and replaces the earlier.
   * Numbering is not checkpointed: after a restore, the next re-emission of a window that had
   * fired before is numbered 1 again (its value is still the whole window).
   */
  readonly firing: number;
  /**
   * The window's watermark when it fired: for a firing the watermark caused, the one before it
   * moved (the result is on time under it, as a record is under the watermark emitted after
   * it); for a firing a record caused within the allowed lateness, the one at that record. A
   * move or a window after this one decides the result's lateness by it, never by batch timing.
   */
  readonly watermarkMs: number;
  /** The partition's health at this firing: what the job may write beside its results (`job_health`). */
  readonly health: WindowHealth;
  /** An early firing (see `Trigger.earlyEveryMs`): the window so far, while open; its on-time firing replaces it. */
  readonly early?: true;
}

/**
 * What {@link windowAggregate} emits for each input batch: the windows that fired while it
 * was processed, in firing order, and the partition's progress after it.
 */
export interface WindowedBatch<OUT, K = undefined> {
  readonly partition: number;
  readonly results: readonly WindowResult<OUT, K>[];
  /** The partition's watermark after this batch (`-Infinity` before its first record). */
  readonly watermarkMs: number;
  /** The highest event time the partition has seen. */
  readonly maxTimestampMs: number;
  /**
   * The lowest position still held by a window that may fire again; every record before it
   * has reached its final firing. When no window is open, one past the last position seen.
   * A source commits up to here once `results` are durably written.
   */
  readonly safePosition: number;
  /** One past the last position processed: with the watermark, a `PartitionCheckpoint`. */
  readonly nextPosition: number;
  /** Records of this batch that came too late for every window they belong to. */
  readonly lateRecords: number;
  /** The results are early firings (the input batch was an early tick). */
  readonly early?: true;
}

/** A record that arrived after all its windows were closed: counted and routed, never silently dropped. */
export interface LateRecord<T> {
  readonly record: T;
  /** The record as the source read it, when the source kept it (what a late output writes). */
  readonly raw: string | Uint8Array | undefined;
  readonly partition: number;
  readonly position: number;
  readonly eventTimeMs: number;
  /** The partition's watermark when the record arrived. */
  readonly watermarkMs: number;
}
