import type { JobChart } from '../jobs/JobChart.js';
import { DEFAULTS } from '../config/defaults.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { Job, JobContext, JobParameters, JobSettings } from '../jobs/Job.js';
import type { JobOutput } from '../jobs/JobOutput.js';
import { nonNegativeMs } from '../operators/Duration.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import type { Trigger } from '../operators/Trigger.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import type { OperatorFunction } from '../rxjs.js';
import { checkEarlyEveryMs } from '../operators/Trigger.js';
import { applyWindowParameters } from './applyWindowParameters.js';
import { compileJobGraph } from './compileJobGraph.js';
import { AggregatedStream } from './AggregatedStream.js';
import { DataStream } from './DataStream.js';
import { describeJobGraph } from './describeJobGraph.js';
import { parentOf, type OutputNode, type PlanNode, type SourceNode, type WindowNode } from './PlanNode.js';
import type { RecordFormat } from './RecordFormat.js';

/** A window node's settings under a run's parameters. */
export interface ResolvedWindow extends JobSettings {
  readonly windows: WindowAssigner;
  readonly trigger: Trigger;
}

/**
 * A job as a dataflow graph, as Flink's `StreamExecutionEnvironment` with its transformations:
 * `job(name)` makes one, `from(format)` gives its one source stream, and every output a
 * branch ends in (`toPoints`, `toRecords`) registers here and returns the job. Steps that
 * several branches read run once.
 */
export class JobGraph implements Job {
  private sourceNode: SourceNode | undefined;
  private readonly outputs: OutputNode[] = [];
  private declaredCharts: readonly JobChart[] = [];

  constructor(
    readonly name: string,
    readonly description: string,
  ) {}

  /** The charts the live page draws of this job's points (see {@link JobChart}). */
  withCharts(charts: readonly JobChart[]): this {
    this.declaredCharts = charts;
    return this;
  }

  get charts(): readonly JobChart[] {
    return this.declaredCharts;
  }

  /** Reads the source's records with `format` (e.g. `clickEvents()` or `json({ … })`). */
  from<T>(format: RecordFormat<T>): DataStream<T> {
    if (this.sourceNode !== undefined) {
      throw new ConfigError('from', `job "${this.name}" already reads ${this.sourceNode.format.description}; a job has one source: read its stream again for another branch`);
    }
    this.sourceNode = { kind: 'source', format: format as RecordFormat<unknown> };
    return new DataStream<T>(this, this.sourceNode);
  }

  /** The stream of a window's results. Made here, not by `WindowedStream`, so that the stream classes import no subclass of their own. */
  resultsOf<OUT, K>(node: WindowNode): AggregatedStream<OUT, K> {
    return new AggregatedStream<OUT, K>(this, node);
  }

  /** Registers a branch's output; returns the job. */
  addOutput(node: OutputNode): Job {
    if (node.output.kind === 'records' && this.recordOutputs.includes(node.output.name)) {
      throw new ConfigError('toRecords', `job "${this.name}" already has a record output "${node.output.name}"; give each output its own name`);
    }
    this.outputs.push(node);
    return this;
  }

  /** Whether `node` reads window results or moved records: its watermark is carried, not derived. */
  isDownstreamOfWindowOrMove(node: PlanNode): boolean {
    for (let at: PlanNode | undefined = node; at !== undefined; at = parentOf(at)) if (at.kind === 'window') return true;
    return false;
  }

  /** The output nodes, in the order they were added. */
  get outputNodes(): readonly OutputNode[] {
    return this.outputs;
  }

  get source(): SourceNode {
    if (this.sourceNode === undefined) throw new ConfigError('job', `job "${this.name}" reads nothing; start its chain with .from(clickEvents())`);
    return this.sourceNode;
  }

  get recordOutputs(): readonly string[] {
    return this.outputs.flatMap((node) => (node.output.kind === 'records' ? [node.output.name] : []));
  }

  get moves(): number {
    return this.windowNodes().filter((window) => window.moves).length;
  }

  /**
   * From Kafka each move goes through an internal topic, and the windows after it resume from
   * that topic's commits. What does not resume yet: a window over another window's results
   * with no move between them (it would need the first window's results replayed), and windows
   * over the source's partitions beside a move (their replay would re-judge moved records).
   */
  get notResumable(): string | undefined {
    const windows = this.windowNodes();
    for (const window of windows) {
      if (!window.moves && this.isDownstreamOfWindowOrMove(window.parent)) return 'it windows the results of another window without a keyBy between them';
    }
    if (windows.some((window) => window.moves) && this.windowsOverSource().some((window) => !window.moves)) {
      return 'it has windows over the source\'s own partitions beside a move between partitions (keyBy)';
    }
    return undefined;
  }

  /** The steps that read each step, on the paths to the outputs, in the order branches were added. */
  children(): Map<PlanNode, PlanNode[]> {
    const children = new Map<PlanNode, PlanNode[]>();
    for (const output of this.outputs) {
      let child: PlanNode = output;
      for (let at = parentOf(output); at !== undefined; child = at, at = parentOf(at)) {
        const list = children.get(at);
        if (list === undefined) children.set(at, [child]);
        else if (list.includes(child)) break;
        else list.push(child);
      }
    }
    return children;
  }

  /** The windows over the source's records (not over window results or moved records' results): the run's parameters apply to them. */
  windowsOverSource(): WindowNode[] {
    return this.windowNodes().filter((window) => !this.isDownstreamOfWindowOrMove(window.parent));
  }

  /** Every window node on a path to an output, from the source down, in the order branches were added. */
  windowNodes(): WindowNode[] {
    const seen = new Set<PlanNode>();
    const windows: WindowNode[] = [];
    for (const output of this.outputs) {
      const path: WindowNode[] = [];
      for (let at: PlanNode | undefined = output; at !== undefined; at = parentOf(at)) {
        if (seen.has(at)) break;
        seen.add(at);
        if (at.kind === 'window') path.unshift(at);
      }
      windows.push(...path);
    }
    return windows;
  }

  /** The settings of `window` under `parameters`; the run's parameters apply to windows over the source's records. */
  resolve(window: WindowNode, parameters: JobParameters): ResolvedWindow {
    const overSource = !this.isDownstreamOfWindowOrMove(window.parent);
    const allowedLatenessMs = (overSource ? parameters.allowedLatenessMs : undefined) ?? window.allowedLatenessMs ?? DEFAULTS.allowedLatenessMs;
    const windows = overSource ? applyWindowParameters(window.windows, parameters, this.name, false) : window.windows;
    // Early firings are for the windows over the source's own partitions: after a keyBy a window fires once, whole.
    const firesEarly = overSource && !window.moves && windows.kind !== 'session';
    const earlyEveryMs = firesEarly ? parameters.earlyEveryMs : undefined;
    if (window.trigger.earlyEveryMs !== undefined && !firesEarly) {
      throw new ConfigError('trigger', `job "${this.name}": early firings are for tumbling and hopping windows over the source's records; a session may merge into another, and a window after a keyBy or over results fires once, whole`);
    }
    return {
      windows,
      trigger: earlyEveryMs === undefined ? window.trigger : { ...window.trigger, earlyEveryMs },
      maxOutOfOrdernessMs: this.maxOutOfOrdernessMs(parameters),
      allowedLatenessMs: nonNegativeMs(allowedLatenessMs, '--allowed-lateness'),
    };
  }

  /**
   * The bound of the source's watermark: one per job, since every partition has one watermark
   * that all branches (and every move) read.
   * @throws ConfigError when branches declare different bounds
   */
  maxOutOfOrdernessMs(parameters: JobParameters): number {
    const declared = new Set<number>();
    const seen = new Set<PlanNode>();
    for (const output of this.outputs) {
      for (let at: PlanNode | undefined = output; at !== undefined && !seen.has(at); at = parentOf(at)) {
        seen.add(at);
        if (at.kind === 'watermarks') declared.add(at.maxOutOfOrdernessMs);
      }
    }
    if (declared.size > 1) {
      throw new ConfigError('withMaxOutOfOrderness', `job "${this.name}" declares ${[...declared].join(' and ')} ms on different branches; a source has one watermark: declare it once, right after from()`);
    }
    return nonNegativeMs(parameters.maxOutOfOrdernessMs ?? [...declared][0] ?? DEFAULTS.maxOutOfOrdernessMs, '--max-out-of-orderness');
  }

  settings(parameters: JobParameters = {}): JobSettings {
    if (this.outputs.length === 0) {
      throw new ConfigError('job', `job "${this.name}" has no output; end a branch with .toPoints(…) or .toRecords(name)`);
    }
    const windows = this.windowNodes();
    const overSource = this.windowsOverSource();
    // Strictly once per parameter: one that no window over the source takes is a mistake, and
    // applying it strictly to the first of them says why.
    const kinds = new Set(overSource.map((window) => window.windows.kind));
    const check = (name: 'windowMs' | 'slideMs' | 'gapMs', flag: string, kind: 'aligned' | 'session') => {
      if (parameters[name] === undefined || kinds.has(kind)) return;
      const declared = overSource[0];
      if (declared === undefined) throw new ConfigError(flag, `job "${this.name}" has no windows over its source's records; leave the option out`);
      applyWindowParameters(declared.windows, { [name]: parameters[name] }, this.name);
    };
    check('windowMs', '--window', 'aligned');
    check('slideMs', '--slide', 'aligned');
    check('gapMs', '--gap', 'session');
    if (parameters.earlyEveryMs !== undefined) {
      checkEarlyEveryMs(parameters.earlyEveryMs);
      if (!overSource.some((window) => !window.moves && window.windows.kind !== 'session')) {
        throw new ConfigError(
          '--early-every',
          `job "${this.name}" has no tumbling or hopping windows over its source's own partitions, which early firings show filling (a session may merge into another, and a window after a keyBy fires once, whole); leave the option out`,
        );
      }
    }
    const resolved = windows.map((window) => this.resolve(window, parameters));
    const first = resolved[0];
    const maxOutOfOrdernessMs = this.maxOutOfOrdernessMs(parameters);
    if (first === undefined) {
      return { maxOutOfOrdernessMs, allowedLatenessMs: nonNegativeMs(parameters.allowedLatenessMs ?? DEFAULTS.allowedLatenessMs, '--allowed-lateness') };
    }
    return first;
  }

  describe(parameters: JobParameters = {}): string {
    return describeJobGraph(this, parameters);
  }

  pipeline(parameters: JobParameters, context: JobContext): OperatorFunction<RecordBatch<string | Uint8Array>, JobOutput> {
    this.settings(parameters);
    return compileJobGraph(this, parameters, context);
  }
}
