import type { KeyedMessage } from '../collector/EventWriter.js';
import type { PointData } from '../points/PointData.js';
import type { JobSpec } from '../runtime/JobSpec.js';
import type { JobStatus } from '../runtime/JobStatus.js';
import type { SpecFieldNames } from '../runtime/SpecFieldNames.js';

/** A job's counters as its worker reports them, once a second and at the end. */
export interface JobMetricsSnapshot {
  /**
   * Records read from the source, valid or not. Summed over a job's attempts, it counts again
   * the records a restarted attempt re-reads from the committed positions (see jobView).
   */
  readonly recordsIn: number;
  readonly pointsOut: number;
  readonly lateRecords: number;
  readonly windowsFired: number;
  readonly invalidByReason: Readonly<Record<string, number>>;
  /** Watermark per partition, epoch ms (absent before a partition's first record). */
  readonly watermarksMs: Readonly<Record<string, number>>;
  /** Records behind the end of each partition, where the source knows it (Kafka). */
  readonly consumerLag: Readonly<Record<string, number>>;
  /** Seconds each sink write took since the last snapshot, and retries since the last snapshot. */
  readonly sinkWriteSeconds: readonly number[];
  readonly sinkRetries: number;
}

/** A failure as it crosses the process boundary. */
export interface WorkerError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Whether running the job again may succeed (a broker restarting, a 503): the restart strategy applies. */
  readonly retriable: boolean;
}

/** Parent → worker. */
export type ToWorker =
  /** The job to run, and what its messages call the spec's settings (the flags of a flag submission). */
  | { readonly type: 'start'; readonly spec: JobSpec; readonly names: SpecFieldNames }
  | { readonly type: 'cancel' }
  /** Events for a job that reads the generator, beside the generated ones: the demo collector's. */
  | { readonly type: 'events'; readonly messages: readonly KeyedMessage[] };

/** Worker → parent. */
export type FromWorker =
  /** The job's own name, once its worker has loaded it (a module's is not known before). */
  | { readonly type: 'named'; readonly name: string }
  | { readonly type: 'status'; readonly status: JobStatus; readonly error?: WorkerError }
  | { readonly type: 'metrics'; readonly metrics: JobMetricsSnapshot }
  /**
   * The points the job wrote since the last such message, for the live page (a `Point`
   * crosses as its `toJSON()`); `dropped` counts those left out because too many came at once.
   */
  | { readonly type: 'points'; readonly points: readonly PointData[]; readonly dropped: number }
  | { readonly type: 'log'; readonly level: 'info' | 'warn'; readonly message: string; readonly fields?: Record<string, unknown> };
