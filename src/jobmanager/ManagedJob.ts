import type { JobSpec } from '../runtime/JobSpec.js';
import type { JobMetricsSnapshot, WorkerError } from './WorkerMessage.js';
import type { RestartStrategy } from './RestartStrategy.js';

/**
 * A job's state in the manager, in Flink's words: CREATED until its worker runs it, RUNNING,
 * RESTARTING between a retriable failure and the next attempt, then FINISHED, CANCELED or FAILED.
 */
export type ManagedJobState = 'CREATED' | 'RUNNING' | 'RESTARTING' | 'FINISHED' | 'CANCELED' | 'FAILED';

/** What the manager keeps and persists about one submitted job. */
export interface JobRecord {
  readonly id: string;
  /** A shipped job's name, or a module's absolute path (the spec's `job` for a spec submission). */
  readonly job: string;
  /** The job's name once known (a module's is known when its worker loads it). */
  name: string;
  /**
   * How it was submitted: `args`, the `clickflow run` flags (read again at each start, under the
   * manager's environment), or `spec`; exactly one is set. Secrets included: the state file is private.
   */
  readonly args?: readonly string[];
  readonly spec?: JobSpec;
  readonly restart: RestartStrategy;
  state: ManagedJobState;
  readonly submittedAt: string;
  startedAt?: string;
  endedAt?: string;
  /** Restarts so far. */
  restarts: number;
  lastError?: WorkerError;
  /** Totals over every attempt, manager restarts included: records re-read after a restart count again. */
  metrics: JobMetricsSnapshot;
}

export const EMPTY_METRICS: JobMetricsSnapshot = {
  recordsIn: 0,
  pointsOut: 0,
  lateRecords: 0,
  windowsFired: 0,
  invalidByReason: {},
  watermarksMs: {},
  consumerLag: {},
  sinkWriteSeconds: [],
  sinkRetries: 0,
};

/** Whether the state is final. */
export function isEnded(state: ManagedJobState): boolean {
  return state === 'FINISHED' || state === 'CANCELED' || state === 'FAILED';
}
