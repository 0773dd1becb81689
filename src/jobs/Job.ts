import type { OperatorFunction } from 'rxjs';
import type { InvalidRecord } from '../events/InvalidRecord.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import type { Trigger } from '../operators/Trigger.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import type { LateRecord } from '../operators/WindowResult.js';
import type { JobOutput } from './JobOutput.js';

/**
 * Settings a job is run with that override what it declares: the `clickflow run` flags
 * `--window`, `--slide`, `--max-out-of-orderness` and `--allowed-lateness`, in milliseconds.
 * Each one left out keeps the job's own value.
 */
export interface JobParameters {
  /** Window size of a tumbling or hopping window. */
  readonly windowMs?: number;
  /** Distance between window starts: makes a tumbling window hop. */
  readonly slideMs?: number;
  readonly maxOutOfOrdernessMs?: number;
  readonly allowedLatenessMs?: number;
}

/** The windowing a job runs with: what it declares, with the parameters applied. */
export interface JobSettings {
  readonly windows: WindowAssigner;
  readonly trigger: Trigger;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
}

/** Where a job sends what it cannot count: the runtime wires these to the dead-letter and late outputs. */
export interface JobContext {
  readonly onInvalid: (record: InvalidRecord) => void;
  readonly onLate: (late: LateRecord<unknown>) => void;
}

/**
 * A job: a named pipeline from raw records (JSON text or bytes, batched per partition) to
 * typed points. Build one with `job(name).from(format)…toPoints(…)`; sources, sinks, commits
 * and side outputs are the runtime's business, so the same job runs from a file or Kafka,
 * to stdout or InfluxDB.
 */
export interface Job {
  readonly name: string;
  readonly description: string;
  /**
   * The settings the job runs with under `parameters`.
   * @throws ConfigError when a parameter does not fit the job (e.g. `--slide` on session windows)
   */
  settings(parameters?: JobParameters): JobSettings;
  /** The job's operator: raw batches in, one {@link JobOutput} per batch out. */
  pipeline(parameters: JobParameters, context: JobContext): OperatorFunction<RecordBatch<string | Uint8Array>, JobOutput>;
}
