import type { JobStatus } from './JobStatus.js';

/**
 * What a running job reports through its handle, instead of logging: the CLI turns these
 * into its progress line and logs, a job manager into its API and metrics.
 */
export type JobEvent =
  | { readonly type: 'status'; readonly status: JobStatus; readonly error?: Error }
  /** A partition's output was handed to the sink; its watermark after the batch. */
  | { readonly type: 'progress'; readonly partition: number; readonly watermarkMs: number }
  /** The partition moved to another instance (a rebalance): its windows were dropped unfired. */
  | { readonly type: 'revoked'; readonly partition: number }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn'; readonly message: string; readonly fields?: Record<string, unknown> };
