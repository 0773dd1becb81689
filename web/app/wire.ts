// What GET /live sends (src/jobmanager/LiveHub.ts), as the page reads it.
import type { JobChart } from '../../src/jobs/JobChart.js';
import type { LiveLimits, LiveSample } from '../../src/jobmanager/liveWire.js';
import type { PointData as LivePoint } from '../../src/points/PointData.js';

export type { JobChart, LiveLimits, LivePoint, LiveSample };

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

export type LiveMessage =
  | { readonly event: 'snapshot'; readonly data: { jobs: JobSummary[]; live: Record<string, { points: LivePoint[]; samples: LiveSample[]; dropped: number }>; limits: LiveLimits } }
  | { readonly event: 'jobs'; readonly data: JobSummary[] }
  | { readonly event: 'points'; readonly data: { job: string; points: LivePoint[]; dropped: number } }
  | { readonly event: 'metrics'; readonly data: { job: string; sample: LiveSample } };
