/**
 * Where a job is in its life, in Flink's words: CREATED until its connectors are open,
 * RUNNING while it reads, then FINISHED (a bounded input ended), CANCELED (stopped by
 * `cancel()`, after flushing and committing) or FAILED (with the error).
 */
export type JobStatus = 'CREATED' | 'RUNNING' | 'FINISHED' | 'CANCELED' | 'FAILED';
