import type { MovedCheckpoint } from '../runtime/moves/MovedCheckpoint.js';

/**
 * What a partition's windows need to resume exactly after a restart or a rebalance, stored
 * beside the committed offset (Kafka commit metadata).
 *
 * The committed offset is the lowest position of any window that may still fire, so a
 * restart re-reads every record of those windows. Records between it and `replayUntil` were
 * processed before: replaying them rebuilds the open windows while the watermark is held
 * at `maxTimestampMs`, which tells the windows that already fired (and were written) from
 * those that have not, so that nothing is emitted twice with a partial count.
 */
export interface PartitionCheckpoint {
  /** For a partition of an internal topic (a move between processes): its readers' state at the committed offset. */
  readonly moved?: MovedCheckpoint;
  /** The partition's highest event time when the checkpoint was taken. */
  readonly maxTimestampMs: number;
  /** One past the last position processed when the checkpoint was taken. */
  readonly replayUntil: number;
}
