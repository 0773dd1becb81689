/**
 * What `GET /live` sends beside the job list and the points, as the manager writes it and the
 * page (web/app) reads it. Type-only with no imports, so the page's own build imports it too.
 */

/** A job's counters at one moment, as the live page charts them. */
export interface LiveSample {
  readonly atMs: number;
  readonly recordsIn: number;
  readonly pointsOut: number;
  readonly lateRecords: number;
  readonly invalidRecords: number;
  readonly windowsFired: number;
  /** Wall clock minus each partition's watermark, in seconds. */
  readonly watermarkLagSeconds: Readonly<Record<string, number>>;
}

/** What the manager keeps of each job, which the page keeps too: sent in the snapshot, so the page holds no copy of them. */
export interface LiveLimits {
  readonly windowsKept: number;
  readonly maxPointsPerMeasurement: number;
  readonly samplesKept: number;
}
