/** Running a job built with the API over in-memory batches, directly or through `startJob`. */
import { from, lastValueFrom, toArray } from 'rxjs';
import type { InvalidRecord } from '../../../src/events/InvalidRecord.js';
import type { Job, JobParameters } from '../../../src/jobs/Job.js';
import type { JobOutput } from '../../../src/jobs/JobOutput.js';
import type { AggregateFunction } from '../../../src/operators/AggregateFunction.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import type { LateRecord } from '../../../src/operators/WindowResult.js';
import { toLineProtocol } from '../../../src/points/lineProtocol.js';

/** 2025-01-01T00:00:00Z in epoch seconds: a multiple of 10 s and of 1 min. */
export const T0 = 1735689600;

/** A click event as JSON, `seconds` after the epoch. */
export const click = (url: string, status: number, seconds: number, extra: object = {}) =>
  JSON.stringify({ user_id: 'u', url, http_status: status, event_timestamp: seconds, ...extra });

/** A partition's raw records with consecutive positions from `first`. */
export function raw(partition: number, records: readonly string[], first = 0, extra: Partial<RecordBatch<string>> = {}): RecordBatch<string> {
  return { partition, records, positions: records.map((_, i) => first + i), ...extra };
}

export interface PipelineRun {
  readonly outputs: JobOutput[];
  readonly invalid: InvalidRecord[];
  readonly late: LateRecord<unknown>[];
  /** Every point, as line protocol, in order. */
  readonly lines: string[];
}

/** Runs the job's pipeline over `batches` to the end of input. */
export async function runPipeline(job: Job, batches: readonly RecordBatch<string | Uint8Array>[], parameters: JobParameters = {}): Promise<PipelineRun> {
  const invalid: InvalidRecord[] = [];
  const late: LateRecord<unknown>[] = [];
  const outputs = await lastValueFrom(
    from(batches).pipe(
      job.pipeline(parameters, {
        onInvalid: (r) => invalid.push(r),
        onLate: (l) => late.push(l),
        // As a source says how many partitions it has: a move waits for every one's watermark.
        sourcePartitions: Math.max(0, ...batches.map((b) => b.partition)) + 1,
      }),
      toArray(),
    ),
  );
  return { outputs, invalid, late, lines: outputs.flatMap((o) => o.points.map(toLineProtocol)) };
}

/** Collects what a window saw, in arrival order; merges by concatenation (so sessions can use it). */
export function collect<T>(): AggregateFunction<T, T[], T[]> {
  return {
    createAccumulator: () => [],
    add: (acc, value) => {
      acc.push(value);
      return acc;
    },
    getResult: (acc) => [...acc],
    merge: (a, b) => [...a, ...b],
  };
}
