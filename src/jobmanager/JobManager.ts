import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { KeyedMessage } from '../collector/EventWriter.js';
import { DEFAULTS } from '../config/defaults.js';
import { ClickflowError } from '../errors/ClickflowError.js';
import type { JobSpec } from '../runtime/JobSpec.js';
import { SPEC_FIELD_NAMES } from '../runtime/SpecFieldNames.js';
import type { FlagReader, NamedSpec } from './FlagReader.js';
import { EMPTY_METRICS, isEnded, type JobRecord } from './ManagedJob.js';
import type { JobStateFile } from './JobStateFile.js';
import { StateFileError } from './StateFileError.js';
import { restartDelayMs, type RestartStrategy } from './RestartStrategy.js';
import type { PointData } from '../points/PointData.js';
import type { FromWorker, JobMetricsSnapshot, ToWorker, WorkerError } from './WorkerMessage.js';
import { workerExitError } from './workerExitError.js';

/** Told about every change, for metrics, logs and the live page. */
export interface JobManagerObserver {
  onMetrics?(record: JobRecord, previous: JobMetricsSnapshot, current: JobMetricsSnapshot): void;
  /** The points a job wrote since the last call; `dropped` were too many to forward. */
  onPoints?(record: JobRecord, points: readonly PointData[], dropped: number): void;
  /** The job was submitted or its state changed. */
  onStateChange?(record: JobRecord): void;
  onRestart?(record: JobRecord): void;
  /** The job reached FINISHED, CANCELED or FAILED (`lastError` says why it failed). */
  onEnded?(record: JobRecord): void;
  onLog?(record: JobRecord, level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
  /** A record of the state file was skipped or repaired at start: what and why. */
  onStateFileWarning?(message: string): void;
  /** Writing the state file failed (`error`), or works again after failing (undefined). */
  onStateFileError?(error: StateFileError | undefined): void;
}

interface Attempt {
  readonly child: ChildProcess;
  /** The totals of the attempts before this one; the worker's snapshots count from zero. */
  readonly base: JobMetricsSnapshot;
  finalStatus?: 'FINISHED' | 'CANCELED' | 'FAILED';
  error?: WorkerError;
  readonly exited: Promise<void>;
}

const WORKER = fileURLToPath(new URL('./jobWorker.js', import.meta.url));

/** Adds two snapshots: counters add; watermarks and lags are the latest attempt's. */
function addMetrics(base: JobMetricsSnapshot, current: JobMetricsSnapshot): JobMetricsSnapshot {
  const invalidByReason: Record<string, number> = { ...base.invalidByReason };
  for (const [reason, n] of Object.entries(current.invalidByReason)) invalidByReason[reason] = (invalidByReason[reason] ?? 0) + n;
  return {
    recordsIn: base.recordsIn + current.recordsIn,
    pointsOut: base.pointsOut + current.pointsOut,
    lateRecords: base.lateRecords + current.lateRecords,
    windowsFired: base.windowsFired + current.windowsFired,
    invalidByReason,
    watermarksMs: current.watermarksMs,
    consumerLag: current.consumerLag,
    sinkWriteSeconds: current.sinkWriteSeconds,
    sinkRetries: base.sinkRetries + current.sinkRetries,
  };
}

/**
 * Runs submitted jobs, each in a child process of its own: a job that crashes, exhausts its
 * heap or blocks its event loop cannot stop another job or the manager's API. Applies each
 * job's restart strategy to retriable failures (a restart resumes from the committed
 * positions), and keeps the jobs in a state file so a restarted manager resumes the ones
 * that were running.
 */
export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly attempts = new Map<string, Attempt>();
  private readonly restartTimers = new Map<string, NodeJS.Timeout>();
  /** Jobs a cancel was asked for: however their worker ends, they are not restarted. */
  private readonly canceling = new Set<string>();
  private stopping = false;
  /** Per job, whether it reads the generator: its spec read once. */
  private readonly generatorJobs = new WeakMap<JobRecord, boolean>();
  /** Why the last write of the state file failed, until one succeeds. */
  private stateFileError: StateFileError | undefined;
  private stateFileRetry: NodeJS.Timeout | undefined;

  /**
   * @param readFlags reads the jobs submitted as `clickflow run` flags; without it only spec
   *   submissions can run
   */
  constructor(
    private readonly stateFile: JobStateFile,
    private readonly observer: JobManagerObserver = {},
    private readonly readFlags?: FlagReader,
  ) {}

  /**
   * A job's spec: its own, or its flags read now (under the manager's environment, which its
   * worker shares), as each start of a flag submission reads them.
   * @throws ConfigError for flags `clickflow run` would refuse (a hand-edited state file)
   */
  specOf(record: JobRecord): NamedSpec {
    if (record.spec !== undefined) return { spec: record.spec, names: SPEC_FIELD_NAMES };
    if (this.readFlags === undefined) {
      throw new ClickflowError(`job ${record.id} was submitted as clickflow run flags, and this job manager was started without a reader of them; submit it as a spec`, { retriable: false });
    }
    return this.readFlags(record.job, record.args ?? []);
  }

  /** Whether a job reads Kafka, the only source that resumes from committed positions. */
  private resumable(record: JobRecord): boolean {
    try {
      return this.specOf(record).spec.source.kind === 'kafka';
    } catch {
      return false;
    }
  }

  /** Whether a job reads the generator, whose in-memory topic takes the demo collector's events. */
  private readsGenerator(record: JobRecord): boolean {
    try {
      return this.specOf(record).spec.source.kind === 'generator';
    } catch {
      return false;
    }
  }

  /** Loads the state file and starts again every job that was not ended. */
  resume(): JobRecord[] {
    const resumed: JobRecord[] = [];
    const { jobs, warnings } = this.stateFile.load();
    for (const warning of warnings) this.observer.onStateFileWarning?.(`the state file ${this.stateFile.path}: ${warning}`);
    for (const record of jobs) {
      this.jobs.set(record.id, record);
      if (isEnded(record.state)) continue;
      if (!this.resumable(record)) {
        // Started again, a file job would truncate its outputs and read a FIFO or a pipe
        // that has moved on: only Kafka keeps the committed position to resume from.
        record.lastError = {
          name: 'NotResumed',
          message: 'not resumed after the job manager restarted: only a job reading Kafka resumes from its committed positions; submit it again',
          retriable: false,
        };
        this.end(record, 'CANCELED');
        continue;
      }
      resumed.push(record);
      this.launch(record);
    }
    return resumed;
  }

  list(): JobRecord[] {
    return [...this.jobs.values()];
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /** Why the state file cannot be written now; undefined while it can. */
  get stateFileProblem(): StateFileError | undefined {
    return this.stateFileError;
  }

  /**
   * Records a job submitted as `clickflow run` flags and starts its first attempt; the flags
   * were validated by the caller.
   * @throws StateFileError when the job cannot be written to the state file: it is not started,
   *   since a manager restarted then would know nothing of it
   */
  submit(job: string, args: readonly string[], restart: RestartStrategy, name: string): JobRecord {
    return this.record({ job, args }, restart, name);
  }

  /**
   * Records a job submitted as a spec and starts its first attempt; the spec was validated by the caller.
   * @throws StateFileError as {@link submit}
   */
  submitSpec(spec: JobSpec, restart: RestartStrategy, name: string): JobRecord {
    return this.record({ job: spec.job, spec }, restart, name);
  }

  private record(submission: { job: string; args?: readonly string[]; spec?: JobSpec }, restart: RestartStrategy, name: string): JobRecord {
    const record: JobRecord = {
      id: randomUUID(),
      ...submission,
      name,
      restart,
      state: 'CREATED',
      submittedAt: new Date().toISOString(),
      restarts: 0,
      metrics: EMPTY_METRICS,
    };
    this.jobs.set(record.id, record);
    const error = this.persist();
    if (error !== undefined) {
      this.jobs.delete(record.id);
      throw error;
    }
    this.observer.onStateChange?.(record);
    this.launch(record);
    return record;
  }

  /** Cancels a job: its worker stops reading, flushes, commits, and the job ends CANCELED. */
  async cancel(id: string): Promise<JobRecord | undefined> {
    const record = this.jobs.get(id);
    if (record === undefined || isEnded(record.state)) return record;
    const timer = this.restartTimers.get(id);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.restartTimers.delete(id);
      this.end(record, 'CANCELED');
      return record;
    }
    const attempt = this.attempts.get(id);
    if (attempt !== undefined) {
      this.canceling.add(id);
      this.send(attempt.child, { type: 'cancel' });
      await this.waitOrKill(attempt);
    }
    return record;
  }

  /**
   * Stops every job gracefully (flush, commit) for a manager shutdown. The jobs that were
   * running stay RUNNING in the state file, so the next manager resumes them.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.stateFileRetry);
    for (const timer of this.restartTimers.values()) clearTimeout(timer);
    const running = [...this.attempts.entries()];
    for (const [, attempt] of running) this.send(attempt.child, { type: 'cancel' });
    await Promise.all(running.map(([, attempt]) => this.waitOrKill(attempt)));
    this.persist();
  }

  /**
   * Gives events to every running job that reads the generator, for its in-memory topic beside
   * the generated events (the demo's collector writes here). Resolves once each such worker's
   * channel took them; a job started later does not get them, as a generator job restarted
   * starts a new stream.
   */
  async sendToGeneratorJobs(messages: readonly KeyedMessage[]): Promise<void> {
    const sent: Promise<void>[] = [];
    for (const [id, attempt] of this.attempts) {
      const record = this.jobs.get(id)!;
      let generator = this.generatorJobs.get(record);
      if (generator === undefined) this.generatorJobs.set(record, (generator = this.readsGenerator(record)));
      if (!generator || !attempt.child.connected) continue;
      const message: ToWorker = { type: 'events', messages };
      // A worker that exits meanwhile fails the send: its job is gone, and so are its events.
      sent.push(new Promise((resolve) => attempt.child.send(message, () => resolve())));
    }
    await Promise.all(sent);
  }

  private async waitOrKill(attempt: Attempt): Promise<void> {
    const timer = setTimeout(() => attempt.child.kill('SIGKILL'), DEFAULTS.jobManager.cancelTimeoutMs);
    await attempt.exited;
    clearTimeout(timer);
  }

  private send(child: ChildProcess, message: ToWorker): void {
    if (child.connected) child.send(message);
  }

  private launch(record: JobRecord): void {
    let spec: NamedSpec;
    try {
      spec = this.specOf(record);
    } catch (error) {
      // As its worker would have failed on them: a setting no restart can fix.
      const e = error instanceof Error ? error : new Error(String(error));
      this.onFailure(record, { name: e.name, message: e.message, retriable: !(e instanceof ClickflowError) || e.retriable });
      return;
    }
    const base = record.metrics;
    const child = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
    let stderrTail = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      // Enough for the error line of a crash above its stack or V8's native frames.
      stderrTail = (stderrTail + chunk).slice(-16_000);
    });
    // 'close', not 'exit': it comes after the last IPC message, so the final status is in.
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const attempt: Attempt = { child, base, exited };
    this.attempts.set(record.id, attempt);
    // The process could not be started (EAGAIN, ENOMEM) or an IPC send failed: without a
    // listener, that error would take the manager and every other job down with it.
    child.on('error', (error: Error) => {
      attempt.error ??= { name: 'WorkerError', message: `cannot run the job's process: ${error.message}`, retriable: true };
    });
    child.on('message', (message: FromWorker) => this.onMessage(record, attempt, message));
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.attempts.delete(record.id);
      // A manager shutdown leaves its jobs RUNNING, to be resumed; not one a user cancelled.
      if (this.stopping && !this.canceling.has(record.id)) return;
      if (attempt.finalStatus === 'FINISHED' || attempt.finalStatus === 'CANCELED') {
        this.end(record, attempt.finalStatus);
        return;
      }
      // The worker's reported status, when it got one in, says how the job ended, whatever the
      // exit code; only a worker that died without one is judged by its exit and stderr.
      const error: WorkerError = attempt.error ?? workerExitError(code, signal, stderrTail);
      // A job asked to cancel is never restarted, even if its last attempt failed on the way
      // out (or had to be killed): it ends CANCELED, or FAILED for a failure no restart could fix.
      if (this.canceling.has(record.id)) {
        record.lastError = error;
        this.end(record, error.retriable ? 'CANCELED' : 'FAILED');
        return;
      }
      this.onFailure(record, error);
    });
    this.send(child, { type: 'start', spec: spec.spec, names: spec.names });
  }

  private onMessage(record: JobRecord, attempt: Attempt, message: FromWorker): void {
    switch (message.type) {
      case 'status':
        if (message.status === 'RUNNING') {
          record.state = 'RUNNING';
          record.startedAt ??= new Date().toISOString();
          this.persist();
          this.observer.onStateChange?.(record);
        } else if (message.status === 'FINISHED' || message.status === 'CANCELED' || message.status === 'FAILED') {
          attempt.finalStatus = message.status;
          attempt.error = message.error;
        }
        return;
      case 'metrics': {
        const previous = record.metrics;
        record.metrics = addMetrics(attempt.base, message.metrics);
        this.observer.onMetrics?.(record, previous, record.metrics);
        return;
      }
      case 'points':
        this.observer.onPoints?.(record, message.points, message.dropped);
        return;
      case 'log':
        this.observer.onLog?.(record, message.level, message.message, message.fields);
        return;
      case 'named':
        record.name = message.name;
        return;
    }
  }

  private onFailure(record: JobRecord, error: WorkerError): void {
    record.lastError = error;
    const delayMs = error.retriable ? restartDelayMs(record.restart, record.restarts + 1) : undefined;
    if (delayMs === undefined) {
      this.end(record, 'FAILED');
      return;
    }
    record.state = 'RESTARTING';
    record.restarts++;
    this.observer.onRestart?.(record);
    this.observer.onStateChange?.(record);
    this.observer.onLog?.(record, 'warn', `job failed, restart ${record.restarts} in ${delayMs} ms: ${error.message}`);
    this.persist();
    const timer = setTimeout(() => {
      this.restartTimers.delete(record.id);
      this.launch(record);
    }, delayMs);
    this.restartTimers.set(record.id, timer);
  }

  private end(record: JobRecord, state: 'FINISHED' | 'CANCELED' | 'FAILED'): void {
    this.canceling.delete(record.id);
    record.state = state;
    record.endedAt = new Date().toISOString();
    this.persist();
    this.observer.onEnded?.(record);
    this.observer.onStateChange?.(record);
  }

  /**
   * Writes the state file. A failure never stops the manager or a job: the jobs stay in
   * memory, the failure is reported (log, /health), and the write is tried again until it works.
   * @returns the failure, for a submission that must not go ahead without it
   */
  private persist(): StateFileError | undefined {
    clearTimeout(this.stateFileRetry);
    this.stateFileRetry = undefined;
    try {
      this.stateFile.save(this.list());
    } catch (error) {
      if (!(error instanceof StateFileError)) throw error;
      if (this.stateFileError?.message !== error.message) this.observer.onStateFileError?.(error);
      this.stateFileError = error;
      if (!this.stopping) {
        this.stateFileRetry = setTimeout(() => this.persist(), DEFAULTS.jobManager.stateFileRetryMs);
        this.stateFileRetry.unref();
      }
      return error;
    }
    if (this.stateFileError !== undefined) {
      this.stateFileError = undefined;
      this.observer.onStateFileError?.(undefined);
    }
    return undefined;
  }
}
