import type { OperatorFunction } from 'rxjs';
import type { InvalidRecord } from '../events/InvalidRecord.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import type { LateRecord } from '../operators/WindowResult.js';
import type { JobOutput } from './JobOutput.js';

/** The windowing settings every windowed job takes, in milliseconds. */
export interface WindowingOptions {
  readonly windowMs: number;
  /** Hopping windows when set and smaller than `windowMs`; tumbling otherwise. */
  readonly slideMs?: number;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
}

/** Where a job sends what it cannot count: the runtime wires these to dead-letter and late outputs. */
export interface JobContext {
  readonly onInvalid: (record: InvalidRecord) => void;
  readonly onLate: (late: LateRecord<unknown>) => void;
}

/**
 * A job: a named pipeline from raw records (JSON text or bytes, batched per partition) to
 * line-protocol points. Sources and sinks are the runtime's business, so the same job runs
 * from a file or Kafka, to stdout or InfluxDB.
 */
export interface Job {
  readonly name: string;
  readonly description: string;
  pipeline(options: WindowingOptions, context: JobContext): OperatorFunction<RecordBatch<string | Uint8Array>, JobOutput>;
}
