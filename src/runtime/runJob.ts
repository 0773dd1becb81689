import { tap } from 'rxjs';
import type { InvalidRecord } from '../events/InvalidRecord.js';
import type { Job, WindowingOptions } from '../jobs/Job.js';
import type { JobOutput } from '../jobs/JobOutput.js';
import type { LateRecord } from '../operators/WindowResult.js';
import { ClickflowError } from '../errors/ClickflowError.js';
import type { DeadLetterSink } from './DeadLetterSink.js';
import { JobMetrics } from './JobMetrics.js';
import type { LineSink } from './LineSink.js';
import type { Source, SourceCommit } from './Source.js';

/** What {@link runJob} connects. */
export interface RunJobOptions {
  readonly job: Job;
  readonly windowing: WindowingOptions;
  readonly source: Source;
  readonly sink: LineSink;
  /** Receives each invalid record; when absent invalid records are only counted. */
  readonly deadLetters?: DeadLetterSink;
  /** Receives each late record as a JSON line; when absent late records are only counted. */
  readonly lateOutput?: LineSink;
  readonly metrics?: JobMetrics;
  /**
   * Aborting stops reading. Windows that have not fired stay unfired (a resumable source
   * re-reads their records on restart, since its commit is held back); everything emitted
   * is flushed and committed before `runJob` resolves.
   */
  readonly signal?: AbortSignal;
  /** How often outputs are flushed and the source committed, in ms. Default 5000. */
  readonly commitIntervalMs?: number;
  /** Called with each output batch after it is handed to the sink (progress, idleness). */
  readonly onOutput?: (output: JobOutput) => void;
  /** Told about failures the job survives (a commit refused during a rebalance). */
  readonly onWarning?: (message: string) => void;
}

/**
 * Runs a job from a source to a sink until the source completes (then every open window
 * fires) or `signal` aborts, and resolves with the job's metrics once every output is
 * flushed and the source committed. A sink's final error rejects it.
 */
export async function runJob(options: RunJobOptions): Promise<JobMetrics> {
  const { job, windowing, source, sink, deadLetters, lateOutput, signal } = options;
  const metrics = options.metrics ?? new JobMetrics();
  const pending = new Map<number, SourceCommit>();
  const onInvalid = (record: InvalidRecord) => {
    metrics.invalidByReason[record.reason]++;
    deadLetters?.write(record);
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
  const output = source.batches.pipe(
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
      pending.set(out.partition, {
        safePosition: out.safePosition,
        checkpoint: { maxTimestampMs: out.maxTimestampMs, replayUntil: out.nextPosition },
      });
      options.onOutput?.(out);
    }),
  );

  // Outputs are flushed before the commit that covers them: a crash between the two re-reads
  // and rewrites the same points, never skips them.
  const flushAndCommit = async () => {
    const snapshot = new Map(pending);
    // allSettled, not all: a failing sink must not leave another's flush running into close().
    const flushed = await Promise.allSettled([sink.flush(), deadLetters?.flush(), lateOutput?.flush()]);
    for (const result of flushed) if (result.status === 'rejected') throw result.reason;
    if (source.commit === undefined || snapshot.size === 0) return;
    try {
      await source.commit(snapshot);
    } catch (error) {
      if (error instanceof ClickflowError && !error.retriable) throw error;
      options.onWarning?.(`commit failed, will retry with the next one: ${(error as Error).message}`);
    }
  };

  let committing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const subscription = output.subscribe({ error: reject, complete: resolve });
      const stop = () => {
        subscription.unsubscribe();
        resolve();
      };
      if (signal?.aborted === true) stop();
      signal?.addEventListener('abort', stop, { once: true });
      timer = setInterval(() => {
        committing ??= flushAndCommit()
          .catch((error: unknown) => {
            subscription.unsubscribe();
            reject(error);
          })
          .finally(() => {
            committing = undefined;
          });
      }, options.commitIntervalMs ?? 5_000);
    });
    clearInterval(timer);
    await committing;
    await flushAndCommit();
  } finally {
    clearInterval(timer);
    // A flush or commit still on its way when the job failed must end before its clients
    // are closed, or it would reconnect them after they were closed.
    await committing;
    await Promise.allSettled([sink.close(), deadLetters?.close(), lateOutput?.close(), source.close?.()]);
  }
  return metrics;
}
