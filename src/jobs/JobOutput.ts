/**
 * What a job hands its sink for each input batch: line-protocol points and the progress of
 * the partition they came from, which tells a source how far it may commit once they are written.
 */
export interface JobOutput {
  readonly partition: number;
  /** InfluxDB line protocol, one point a string. */
  readonly lines: readonly string[];
  readonly windowsFired: number;
  readonly lateRecords: number;
  readonly watermarkMs: number;
  readonly maxTimestampMs: number;
  /** See `WindowedBatch.safePosition`. */
  readonly safePosition: number;
  /** See `WindowedBatch.nextPosition`. */
  readonly nextPosition: number;
}
