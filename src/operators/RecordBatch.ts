import type { PartitionCheckpoint } from './PartitionCheckpoint.js';

/**
 * What flows between operators: the records of one partition, in source order.
 *
 * Observables carry batches and loops carry records: one emission per Kafka batch or file
 * chunk keeps the per-record cost to a plain loop, where an emission per record costs
 * several times the work done on it.
 */
export interface RecordBatch<T> {
  /** Source partition (0 for a file or stdin); each has its own watermark and windows. */
  readonly partition: number;
  readonly records: readonly T[];
  /**
   * Position of each record in its partition (Kafka offset, or line number), parallel to
   * `records`. Absent when the source has no positions to track.
   */
  readonly positions?: readonly number[];
  /**
   * Event time of each record in epoch ms, parallel to `records`, when the source assigned
   * them (Flink's record timestamps): a `map` that changes the records keeps their times.
   * When absent, the window operator asks its `eventTimeOf`.
   */
  readonly timestampsMs?: readonly number[];
  /** The original text or bytes of each record, parallel to `records`: what side outputs write. */
  readonly raws?: readonly (string | Uint8Array)[];
  /**
   * Positions of the records of this batch that were refused as invalid (and dead-lettered),
   * ascending; absent when there were none. A window's health counts them.
   */
  readonly invalidPositions?: readonly number[];
  /**
   * One past the last position the source read for this batch, when it differs from one past
   * the last of `positions`: records a filter dropped (invalid ones) still count as read, so
   * that a checkpoint does not send them to the dead-letter output again after a restart.
   */
  readonly endPosition?: number;
  /**
   * Set on the first batch after a partition is (re)assigned: its windows restart from this
   * checkpoint, dropping any state they had. `null` means start fresh.
   */
  readonly restore?: PartitionCheckpoint | null;
  /**
   * Records at positions below this are a replay after a restore (see `markReplays`, which
   * alone sets it): they rebuild state, and nothing is routed, counted or written for them
   * again. Absent when no record of the batch is a replay.
   */
  readonly replayedBefore?: number;
  /**
   * The stream's watermark after this batch, for a stream downstream of a move between
   * partitions or of a window: there it is carried with the records (the minimum over the
   * partitions that write to this one) instead of being derived from their times.
   */
  readonly watermarkMs?: number;
  /**
   * The watermark of each record's writer when the record was read there, parallel to
   * `records`: from the source (set before any filter, so that a filter holds no watermark
   * back), or a window result's `watermarkMs`. A move decides lateness by it and carries it
   * along, and a window after it takes a record only if it is on time by it, so that whether a
   * record counts never depends on how writers interleave or how batches were cut.
   */
  readonly recordWatermarksMs?: readonly number[];
  /**
   * Over the source, for windows behind a filter: the source's highest event time before this
   * batch, and its watermark's bound. A filter that drops records gives each record it keeps
   * `recordWatermarksMs` from them, so that the windows follow the source's watermark; a batch
   * that drops none needs no more than `watermarkMs`.
   */
  readonly sourceClock?: { readonly maxTimestampMs: number; readonly maxOutOfOrdernessMs: number };
  /**
   * `true`: the partition has had no records, and none waiting, for the idle timeout: after a
   * move between processes it holds the watermark back no longer (Flink's `withIdleness`);
   * `records` is empty. `false` on a batch with records after that. Absent otherwise.
   */
  readonly idle?: boolean;
  /**
   * Early firings (`--early-every`). On the way in, from the runtime's wall-clock ticker, with no
   * records: the tumbling and hopping windows over the source fire what they hold so far. On the
   * way out, the results of those firings: they reach the outputs, but no window or move after,
   * which take only on-time results.
   */
  readonly early?: true;
  /** The partition moved elsewhere: drop its windows without firing them. `records` is empty. */
  readonly revoked?: boolean;
  /**
   * The partition's input has ended (a bounded Kafka run reached the partition's end offset):
   * its windows fire as at the end of the whole input and its state is dropped, so that its
   * commit reaches the end now rather than when every partition has. `records` is empty and
   * `endPosition` is the end; sent once per assignment, and a later `restore` starts the
   * partition afresh.
   */
  readonly endOfInput?: boolean;
}
