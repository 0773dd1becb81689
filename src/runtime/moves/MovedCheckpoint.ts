/**
 * What a partition of an internal topic needs, beside its windows, to resume exactly: the state
 * of its readers at the committed offset. A restart re-reads from there, so the watermarks and
 * ids it meets again rebuild everything after it as the first run had it.
 */
export interface MovedCheckpoint {
  /** The offset this state holds at: the committed one. */
  readonly position: number;
  /** Each writer's watermark there, by writer. */
  readonly writerWatermarksMs: readonly number[];
  /** Writers idle there (see `MovedMessage`); absent when none is. */
  readonly idleWriters?: readonly number[];
  /** The highest id taken from each writer there: copies at or below it are dropped. */
  readonly writerIds: readonly number[];
  /** How many records this partition had sent on to each later move there, by move number. */
  readonly sent: Readonly<Record<number, number>>;
}
