import { randomUUID } from 'node:crypto';
import { Subject, tap } from '../rxjs.js';
import { ClickflowError } from '../errors/ClickflowError.js';
import type { Job, JobParameters } from '../jobs/Job.js';
import { BackpressureGate } from './BackpressureGate.js';
import { Checkpoints } from './Checkpoints.js';
import { jobFingerprint } from './jobFingerprint.js';
import { SideOutputs } from './SideOutputs.js';
import type { ConnectorContext, DeadLetterConnector, LateOutputConnector, RecordOutputConnector, SinkConnector, SourceConnector } from './Connector.js';
import { ConfigError } from '../errors/ConfigError.js';
import { NotResumableError } from './NotResumableError.js';
import type { DeadLetterSink } from './DeadLetterSink.js';
import type { JobEvent } from './JobEvent.js';
import type { JobHandle } from './JobHandle.js';
import { JobMetrics } from './JobMetrics.js';
import type { JobStatus } from './JobStatus.js';
import { checkConnectorFiles } from './checkConnectorFiles.js';
import { createRetry, type RetryOptions } from './createRetry.js';
import type { LineSink } from './LineSink.js';
import type { PointSink } from './PointSink.js';
import type { Source } from './Source.js';
import { DEFAULTS } from '../config/defaults.js';

/** What {@link startJob} connects; connectors are opened when the job starts. */
export interface StartJobOptions {
  readonly source: SourceConnector;
  readonly sink: SinkConnector;
  /** Invalid records; when absent they are only counted. */
  readonly deadLetter?: DeadLetterConnector;
  /** Late records as JSON lines; when absent they are only counted. */
  readonly lateOutput?: LateOutputConnector;
  /**
   * The job's record outputs (`toRecords`) by name. One the job writes but that is not given
   * here is only counted (`metrics.recordsOut`); one given that the job does not write is refused.
   */
  readonly outputs?: Readonly<Record<string, RecordOutputConnector>>;
  /** Overrides of the job's windowing (`--window`, …). */
  readonly parameters?: JobParameters;
  /** How often outputs are flushed and the source committed, in ms. Default `DEFAULTS.commitIntervalMs`. */
  readonly commitIntervalMs?: number;
  /** How the last flush and commit are retried when they fail retriably. Default `DEFAULTS.finalFlushRetry`. */
  readonly finalFlushRetry?: RetryOptions;
  /** Default: a random UUID. */
  readonly id?: string;
}

/**
 * Starts a job: opens its source and outputs, runs the job's pipeline between them until the
 * source completes (then every open window fires) or `cancel()`, flushing the outputs and
 * then committing the source every `commitIntervalMs` and at the end.
 *
 * Settings are checked before anything opens: a bad parameter, or one file used by two
 * connectors (an output on the input, two outputs on one file), throws a `ConfigError` here,
 * synchronously. Everything else (a connector that cannot open, a failing sink, a bug in the
 * job) fails the job: `done` rejects and the status is FAILED.
 *
 * @example
 * const handle = startJob(errorRatesJob, { source: kafkaSource({ topic: 'clickstream' }), sink: influxSink(target) });
 * process.once('SIGINT', () => handle.cancel());
 * await handle.done;
 */
export function startJob(job: Job, options: StartJobOptions): JobHandle {
  job.settings(options.parameters ?? {});
  const known = job.recordOutputs ?? [];
  for (const name of Object.keys(options.outputs ?? {})) {
    if (!known.includes(name)) {
      throw new ConfigError(
        '--output',
        `job "${job.name}" has no record output "${name}"; ${known.length === 0 ? 'it writes only points (--to)' : `its record outputs: ${known.join(', ')}`}`,
      );
    }
  }
  if (options.source.resumesFromCommits === true && job.notResumable !== undefined) throw new NotResumableError(job);
  const connectors = [options.source, options.sink, options.deadLetter, options.lateOutput, ...Object.values(options.outputs ?? {})];
  checkConnectorFiles(connectors.flatMap((c) => (c?.file === undefined ? [] : [{ ...c.file, description: c.description }])));
  return new RunningJob(job, options);
}

class RunningJob implements JobHandle {
  readonly id: string;
  readonly name: string;
  readonly metrics = new JobMetrics();
  readonly done: Promise<JobMetrics>;
  private readonly eventSubject = new Subject<JobEvent>();
  readonly events = this.eventSubject.asObservable();
  private currentStatus: JobStatus = 'CREATED';
  private readonly abort = new AbortController();

  constructor(
    private readonly job: Job,
    private readonly options: StartJobOptions,
  ) {
    this.id = options.id ?? randomUUID();
    this.name = job.name;
    // Started on the next turn, so that a caller subscribing to `events` right away sees every one.
    this.done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run())
      .then(
        () => {
          this.setStatus(this.abort.signal.aborted ? 'CANCELED' : 'FINISHED');
          this.eventSubject.complete();
          return this.metrics;
        },
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          this.setStatus('FAILED', failure);
          this.eventSubject.complete();
          throw failure;
        },
      );
    // A caller that only cancels still must not see an unhandled rejection.
    this.done.catch(() => {});
  }

  get status(): JobStatus {
    return this.currentStatus;
  }

  cancel(): Promise<JobMetrics> {
    this.abort.abort();
    return this.done;
  }

  private log(level: 'debug' | 'info' | 'warn', message: string, fields?: Record<string, unknown>): void {
    this.eventSubject.next({ type: 'log', level, message, fields });
  }

  private setStatus(status: JobStatus, error?: Error): void {
    this.currentStatus = status;
    this.eventSubject.next(error === undefined ? { type: 'status', status } : { type: 'status', status, error });
  }

  private async run(): Promise<void> {
    const { job, options, metrics } = this;
    const signal = this.abort.signal;
    const context: ConnectorContext = {
      jobName: job.name,
      moves: job.moves ?? 0,
      ...((job.moves ?? 0) > 0 ? { fingerprint: jobFingerprint(job, options.parameters ?? {}) } : {}),
      gate: new BackpressureGate(),
      report: (level, message, fields) => this.eventSubject.next({ type: 'log', level, message, fields }),
      metrics,
      signal,
    };
    const closers: (() => Promise<void>)[] = [];
    // A cancel while a connector opens (a broker that takes seconds to answer) stops the start
    // at once; what opens later is closed as soon as it has.
    const cancelled = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    const open = async <T>(
      connector: { open(c: ConnectorContext): Promise<T> } | undefined,
      close: (value: T) => Promise<void>,
      withContext: ConnectorContext = context,
    ) => {
      if (connector === undefined || signal.aborted) return undefined;
      const opening = connector.open(withContext);
      const value = await Promise.race([opening, cancelled]);
      if (value === undefined) {
        opening.then(close, () => undefined);
        return undefined;
      }
      closers.push(() => close(value));
      return value;
    };
    try {
      // The source first: an input that cannot be read must fail the job before any output
      // file is created or truncated.
      this.log('debug', 'opening the source', { source: options.source.description });
      const source = await open(options.source, async (s) => s.close?.());
      if (source?.commit !== undefined && job.notResumable !== undefined) throw new NotResumableError(job);
      if (source?.commit !== undefined && (job.moves ?? 0) > 0 && source.transport === undefined) {
        throw new NotResumableError(job, 'it moves records between partitions by key (keyBy), and its source commits but has no internal topics to move them through');
      }
      // Outputs resume where the source's last commit left them: read before any of them opens.
      const resuming = source?.resumePoint?.();
      const resume = resuming === undefined ? undefined : await Promise.race([resuming, cancelled]);
      if (source !== undefined) this.log('debug', 'source ready; opening the outputs', resume === undefined ? undefined : { resumingFrom: new Date(resume.committedAtMs).toISOString() });
      const outputContext: ConnectorContext = resume === undefined ? context : { ...context, resume };
      const sink = await open(options.sink, (s) => s.close(), outputContext);
      const deadLetters = await open(options.deadLetter, (s) => s.close(), outputContext);
      const lateOutput = await open(options.lateOutput, (s) => s.close(), outputContext);
      const recordOutputs = new Map<string, LineSink>();
      for (const [name, connector] of Object.entries(options.outputs ?? {})) {
        const opened = await open(connector, (s) => s.close(), outputContext);
        if (opened !== undefined) recordOutputs.set(name, opened);
      }
      if (source === undefined || sink === undefined) return;
      this.setStatus('RUNNING');
      this.log('debug', 'job started');
      for (const name of job.recordOutputs ?? []) {
        if (!recordOutputs.has(name)) this.log('info', `record output "${name}" is not connected (--output ${name}=file:PATH): its records are counted, not written`);
      }
      await this.pump(source, sink, deadLetters, lateOutput, recordOutputs);
    } finally {
      // Every client closes, whatever failed: a socket left open would keep the process alive.
      await Promise.allSettled(closers.map((close) => close()));
    }
  }

  private async pump(
    source: Source,
    sink: PointSink,
    deadLetters: DeadLetterSink | undefined,
    lateOutput: LineSink | undefined,
    recordOutputs: ReadonlyMap<string, LineSink>,
  ): Promise<void> {
    const { job, options, metrics } = this;
    const signal = this.abort.signal;
    const sideOutputs = new SideOutputs(metrics, deadLetters, lateOutput, recordOutputs);
    const outputs = [sink, deadLetters, lateOutput, ...recordOutputs.values(), source.transport];
    const checkpoints = new Checkpoints(source, outputs, (event) => this.eventSubject.next(event));
    // Flushes and commits unless a commit is on its way; then once more after it. Set once the job runs.
    let commitSoon = () => {};
    const output = source.batches.pipe(
      tap((batch) => {
        // Records read from the source: a batch of an internal topic holds moved ones, read a second time.
        if (source.transport === undefined || batch.partition < source.transport.partitions) metrics.recordsIn += batch.records.length;
        sideOutputs.sourceBatch(batch);
        if (batch.revoked === true) {
          metrics.watermarks.delete(batch.partition);
          metrics.consumerLag.delete(batch.partition);
          checkpoints.revoked(batch.partition);
          this.eventSubject.next({ type: 'revoked', partition: batch.partition });
        }
      }),
      job.pipeline(options.parameters ?? {}, {
        onInvalid: sideOutputs.onInvalid,
        onLate: sideOutputs.onLate,
        sourcePartitions: source.partitionCount ?? 1,
        ...(source.transport === undefined ? {} : { transport: source.transport }),
        writtenRecordOutputs: new Set(recordOutputs.keys()),
      }),
      tap((out) => {
        metrics.lateRecords += out.lateRecords;
        metrics.windowsFired += out.windowsFired;
        metrics.pointsOut += out.points.length;
        metrics.watermarks.set(out.partition, out.watermarkMs);
        sink.write(out.points);
        if (out.recordLines !== undefined) sideOutputs.writeRecordLines(out.recordLines);
        if (checkpoints.progress(out)) commitSoon();
        this.eventSubject.next({ type: 'progress', partition: out.partition, watermarkMs: out.watermarkMs });
      }),
    );
    let committing: Promise<void> | undefined;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const subscription = output.subscribe({ error: reject, complete: resolve });
        // An output that fails stops the job now, not at its next flush: for dead letters that
        // could be the end of the run.
        for (const out of outputs) {
          out?.failed?.catch((error: unknown) => {
            subscription.unsubscribe();
            reject(error);
          });
        }
        const stop = () => {
          subscription.unsubscribe();
          resolve();
        };
        if (signal.aborted) stop();
        signal.addEventListener('abort', stop, { once: true });
        let again = false;
        commitSoon = () => {
          if (stopped) return;
          if (committing !== undefined) {
            again = true;
            return;
          }
          committing = checkpoints
            .flushAndCommit(false)
            .catch((error: unknown) => {
              subscription.unsubscribe();
              reject(error);
            })
            .finally(() => {
              committing = undefined;
              if (again) {
                again = false;
                commitSoon();
              }
            });
        };
        timer = setInterval(() => commitSoon(), options.commitIntervalMs ?? DEFAULTS.commitIntervalMs);
      });
      // The last flush and commit below cover everything: no periodic one starts after it.
      stopped = true;
      clearInterval(timer);
      await committing;
      await createRetry(
        options.finalFlushRetry ?? DEFAULTS.finalFlushRetry,
        (error) => ({ retriable: error instanceof ClickflowError && error.retriable }),
        undefined,
        (error, _attempt, delayMs) => this.log('warn', `the last flush or commit failed, retrying in ${delayMs} ms: ${(error as Error).message}`),
      )(() => checkpoints.flushAndCommit(true));
    } finally {
      stopped = true;
      clearInterval(timer);
      // A flush or commit still on its way when the job failed must end before its clients
      // are closed, or it would reconnect them after they were closed.
      await committing;
    }
  }
}
