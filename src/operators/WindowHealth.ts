/**
 * How a partition fared up to one firing of one of its windows: what the error-rates job writes
 * as `job_health`. Late and invalid records are counted toward the first firing of their
 * partition after they were read (by position, so the counts do not depend on how the source
 * batched the records); a firing that follows another in the same step carries zeros.
 */
export interface WindowHealth {
  /** Records the window holds at this firing. */
  readonly records: number;
  /** Records of the partition that came too late for all their windows, since its previous firing. */
  readonly lateRecords: number;
  /** Records of the partition refused as invalid (dead-lettered), since its previous firing. */
  readonly invalidRecords: number;
  /** Wall-clock time at the firing minus the partition's watermark, in ms: how far behind real time the job is. */
  readonly watermarkLagMs: number;
  /** The largest `watermark − event time` of those late records, in ms; 0 without any. */
  readonly lateByMaxMs: number;
  /** The 99th percentile (nearest rank) of those late-by times, in ms, within 1/64 (see `LateByHistogram`); 0 without any. */
  readonly lateByP99Ms: number;
}
