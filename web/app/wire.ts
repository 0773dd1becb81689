// What GET /live sends (src/jobmanager/LiveHub.ts), as the page reads it.
import type { JobChart } from '../../src/jobs/JobChart.js';

export type { JobChart };

export interface JobSummary {
  readonly id: string;
  readonly name: string;
  readonly job: string;
  readonly state: string;
  readonly startedAt: string | null;
  readonly restarts: number;
  readonly recordsIn: number;
  readonly pointsOut: number;
  /** What the page draws of this job's points, as the job declares it. */
  readonly charts: readonly JobChart[];
}

export interface LivePoint {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, number | string | boolean>>;
  readonly timeMs: number;
}

export interface LiveSample {
  readonly atMs: number;
  readonly recordsIn: number;
  readonly pointsOut: number;
  readonly lateRecords: number;
  readonly invalidRecords: number;
  readonly windowsFired: number;
  readonly watermarkLagSeconds: Readonly<Record<string, number>>;
}

/** What the manager keeps per job; the page keeps as much. */
export interface LiveLimits {
  readonly windowsKept: number;
  readonly maxPointsPerMeasurement: number;
  readonly samplesKept: number;
}

export type LiveMessage =
  | { readonly event: 'snapshot'; readonly data: { jobs: JobSummary[]; live: Record<string, { points: LivePoint[]; samples: LiveSample[]; dropped: number }>; limits: LiveLimits } }
  | { readonly event: 'jobs'; readonly data: JobSummary[] }
  | { readonly event: 'points'; readonly data: { job: string; points: LivePoint[]; dropped: number } }
  | { readonly event: 'metrics'; readonly data: { job: string; sample: LiveSample } };
