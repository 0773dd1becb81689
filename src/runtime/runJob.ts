import { lastValueFrom, Observable, tap } from 'rxjs';
import type { InvalidRecord } from '../events/InvalidRecord.js';
import type { Job, WindowingOptions } from '../jobs/Job.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import type { LateRecord } from '../operators/WindowResult.js';
import { JobMetrics } from './JobMetrics.js';
import type { LineSink } from './LineSink.js';

/** What {@link runJob} connects. */
export interface RunJobOptions {
  readonly job: Job;
  readonly windowing: WindowingOptions;
  readonly source: Observable<RecordBatch<string | Uint8Array>>;
  readonly sink: LineSink;
  /** Receives each invalid record as a JSON line; when absent invalid records are only counted. */
  readonly deadLetters?: LineSink;
  /** Receives each late record as a JSON line; when absent late records are only counted. */
  readonly lateOutput?: LineSink;
  readonly metrics?: JobMetrics;
  /** Aborting stops reading; what was read is windowed, flushed and written before returning. */
  readonly signal?: AbortSignal;
}

const decoder = new TextDecoder();

/**
 * Runs a job from a source to a sink until the source completes (or `signal` aborts), then
 * fires every open window, flushes every output and resolves with the job's metrics.
 */
export async function runJob(options: RunJobOptions): Promise<JobMetrics> {
  const { job, windowing, sink, deadLetters, lateOutput, signal } = options;
  const metrics = options.metrics ?? new JobMetrics();
  const onInvalid = (record: InvalidRecord) => {
    metrics.invalidByReason[record.reason]++;
    deadLetters?.write([JSON.stringify(deadLetterJson(record))]);
  };
  const onLate = (late: LateRecord<unknown>) => {
    lateOutput?.write([
      JSON.stringify({
        partition: late.partition,
        position: late.position,
        event_time: new Date(late.eventTimeMs).toISOString(),
        watermark: new Date(late.watermarkMs).toISOString(),
        record: late.record,
      }),
    ]);
  };
  const source = signal === undefined ? options.source : untilAborted(options.source, signal);
  const output = source.pipe(
    tap((batch) => {
      metrics.recordsIn += batch.records.length;
    }),
    job.pipeline(windowing, { onInvalid, onLate }),
    tap((out) => {
      metrics.lateRecords += out.lateRecords;
      metrics.windowsFired += out.windowsFired;
      metrics.pointsOut += out.lines.length;
      metrics.watermarks.set(out.partition, out.watermarkMs);
      sink.write(out.lines);
    }),
  );
  await lastValueFrom(output, { defaultValue: undefined });
  await Promise.all([sink.close(), deadLetters?.close(), lateOutput?.close()]);
  return metrics;
}

/** Completes the source when the signal aborts, so that open windows still fire and flush. */
function untilAborted<T>(source: Observable<T>, signal: AbortSignal): Observable<T> {
  return new Observable<T>((subscriber) => {
    const subscription = source.subscribe(subscriber);
    const stop = () => {
      subscription.unsubscribe();
      subscriber.complete();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    return () => {
      signal.removeEventListener('abort', stop);
      subscription.unsubscribe();
    };
  });
}

function deadLetterJson(record: InvalidRecord): Record<string, unknown> {
  return {
    reason: record.reason,
    detail: record.detail,
    partition: record.partition,
    position: record.position,
    raw: typeof record.raw === 'string' ? record.raw : decoder.decode(record.raw),
  };
}
