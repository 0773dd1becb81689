import type { Observable } from '../rxjs.js';
import type { JobEvent } from './JobEvent.js';
import type { JobMetrics } from './JobMetrics.js';
import type { JobStatus } from './JobStatus.js';

/** A started job, as `startJob` returns it. */
export interface JobHandle {
  readonly id: string;
  readonly name: string;
  readonly status: JobStatus;
  /** Live counters; final once `done` settles. */
  readonly metrics: JobMetrics;
  /** Progress, logs and status changes; completes when the job ends. Subscribe right after `startJob` to see them all. */
  readonly events: Observable<JobEvent>;
  /** Resolves with the metrics when the job is FINISHED or CANCELED; rejects with the error when it FAILED. */
  readonly done: Promise<JobMetrics>;
  /**
   * Stops reading, flushes every output, commits, and resolves as `done`. Windows still open
   * do not fire: a resumable source re-reads their records on the next start.
   */
  cancel(): Promise<JobMetrics>;
}
