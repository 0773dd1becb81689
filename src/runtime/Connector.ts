import type { BackpressureGate } from './BackpressureGate.js';
import type { ConnectorFile } from './checkConnectorFiles.js';
import type { JobMetrics } from './JobMetrics.js';
import type { ResumePoint } from './OutputMarks.js';
import type { DeadLetterSink } from './DeadLetterSink.js';
import type { LineSink } from './LineSink.js';
import type { PointSink } from './PointSink.js';
import type { Source } from './Source.js';

/** What the runtime gives a connector when the job starts. */
export interface ConnectorContext {
  /** The job's name: the default consumer group is derived from it. */
  readonly jobName: string;
  /**
   * How many moves between partitions by key the job makes (`Job.moves`): a source read by
   * several processes (Kafka) carries each through an internal topic, its `transport`.
   */
  readonly moves?: number;
  /**
   * With moves: names the job and the settings its state depends on (a hash of its graph as
   * `describe` prints it). A source that commits stores it with each commit and refuses a
   * group whose commits carry another: records the old job moved would be mixed in.
   */
  readonly fingerprint?: string;
  /** Shared by the job's source and outputs: a full output closes it, and the source waits. */
  readonly gate: BackpressureGate;
  /** Reports something the job survives (a retried write, a rebalance); it reaches the job's events. */
  readonly report: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  /** The job's counters, where a connector adds what only it knows: consumer lag, sink write times and retries. */
  readonly metrics: JobMetrics;
  /**
   * Given to the outputs when the source resumes from a previous run's commits (Kafka): a file
   * continues at its committed length, a dead-letter topic skips what it already holds.
   */
  readonly resume?: ResumePoint;
  /**
   * Aborted once the job is cancelled (Ctrl-C): a connector still opening stops waiting (for
   * Kafka leaders, for a topic read back) instead of finishing in the background, where it
   * would keep the process alive; whatever it then opened is closed at once.
   */
  readonly signal?: AbortSignal;
}

/**
 * A source or output described by its settings, opened by the runtime when the job starts:
 * nothing is connected, created or truncated before that, and a failing option is reported
 * before any output is touched.
 */
export interface Connector<T> {
  /** For messages and job listings, without secrets: `kafka clickstream`, `file out.lp`. */
  readonly description: string;
  /** The file it reads (`input`) or writes, if any: `startJob` refuses one file used twice. */
  readonly file?: ConnectorFile;
  open(context: ConnectorContext): Promise<T>;
}

export interface SourceConnector extends Connector<Source> {
  /**
   * Whether the source resumes from commits (Kafka): a job that cannot yet (`Job.notResumable`)
   * is then refused before anything opens. A source that commits without saying so is refused
   * once it has opened, before any output has.
   */
  readonly resumesFromCommits?: boolean;
}
export type SinkConnector = Connector<PointSink>;
export type DeadLetterConnector = Connector<DeadLetterSink>;
/** Late records, one JSON line each. */
export type LateOutputConnector = Connector<LineSink>;
/** A job's record output (`toRecords`), one JSON line per record. */
export type RecordOutputConnector = Connector<LineSink>;
