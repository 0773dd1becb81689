import type { SchedulerLike } from '../rxjs.js';
import type { MoveTransport } from '../runtime/moves/MoveTransport.js';
import type { OperatorFunction } from '../rxjs.js';
import type { InvalidRecord } from '../events/InvalidRecord.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import type { Trigger } from '../operators/Trigger.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import type { LateRecord } from '../operators/WindowResult.js';
import type { JobChart } from './JobChart.js';
import type { JobOutput } from './JobOutput.js';

/**
 * Settings a job is run with that override what it declares: the `clickflow run` flags
 * `--window`, `--slide`, `--gap`, `--max-out-of-orderness` and `--allowed-lateness`, in
 * milliseconds. Each one left out keeps the job's own value. They apply to the windows over
 * the source's records (not to windows over window results).
 */
export interface JobParameters {
  /** Window size of a tumbling or hopping window. */
  readonly windowMs?: number;
  /** Distance between window starts: makes a tumbling window hop. */
  readonly slideMs?: number;
  /** Gap of a session window (`--gap`). */
  readonly gapMs?: number;
  readonly maxOutOfOrdernessMs?: number;
  readonly allowedLatenessMs?: number;
  /** Early firings of the tumbling and hopping windows over the source (`--early-every`): see `EarlyFiringTrigger`. */
  readonly earlyEveryMs?: number;
}

/** The windowing a job runs with: what it declares, with the parameters applied (of its first window). */
export interface JobSettings {
  /** Absent for a job without windows. */
  readonly windows?: WindowAssigner;
  /** Absent for a job without windows. */
  readonly trigger?: Trigger;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
}

/** Where a job sends what it cannot count: the runtime wires these to the dead-letter and late outputs. */
export interface JobContext {
  readonly onInvalid: (record: InvalidRecord) => void;
  readonly onLate: (late: LateRecord<unknown>) => void;
  /**
   * How many partitions the source has (0 … n − 1): a move between partitions waits for the
   * watermark of every one. Default 1 (a file, stdin).
   */
  readonly sourcePartitions?: number;
  /**
   * Where records moved by key go when the job runs in several processes (Kafka's internal
   * topics): batches of its partitions then come on the same input as the source's. Absent, a
   * move happens in this process, which must read every partition.
   */
  readonly transport?: MoveTransport;
  /** The wall clock of early firings (`earlyEveryMs`); default RxJS's `asyncScheduler`. Tests give a virtual one. */
  readonly scheduler?: SchedulerLike;
  /**
   * The record outputs the run writes. A record for another is only counted: its JSON text is
   * never made. Default: every output is written.
   */
  readonly writtenRecordOutputs?: ReadonlySet<string>;
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
  /**
   * Set when the job cannot resume from a source's commits yet, with the reason: it moves
   * records between partitions, or windows window results. Such a job reads every partition in
   * one process (a file, stdin, the generator); `startJob` refuses it on a source that commits (Kafka).
   */
  readonly notResumable?: string;
  /**
   * How many moves between partitions by key the job makes (`keyBy`): from Kafka each goes
   * through an internal topic. Absent or 0 for a job that moves nothing.
   */
  readonly moves?: number;
  /** The job's dataflow graph as text: its steps, where records move, its outputs (`clickflow describe`). */
  describe?(parameters?: JobParameters): string;
  /** The names of the record outputs the job writes (`toRecords`), which `--output name=…` connects. */
  readonly recordOutputs?: readonly string[];
  /** What the job manager's live page draws of the job's points; none when absent. */
  readonly charts?: readonly JobChart[];
  /** The job's operator: raw batches in, one {@link JobOutput} per batch out. */
  pipeline(parameters: JobParameters, context: JobContext): OperatorFunction<RecordBatch<string | Uint8Array>, JobOutput>;
}
