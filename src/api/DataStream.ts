import { ConfigError } from '../errors/ConfigError.js';
import type { ValidationFailure } from '../events/validateClickEvent.js';
import type { Job } from '../jobs/Job.js';
import { durationMs, nonNegativeMs, type Duration } from '../operators/Duration.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import type { Point } from '../points/Point.js';
import { filterStage } from './filterStage.js';
import type { JobGraph } from './JobGraph.js';
import { KeyedStream } from './KeyedStream.js';
import { mapStage } from './mapStage.js';
import type { OutputNode, PlanNode, PointFactory, RecordOrigin } from './PlanNode.js';
import { WindowedStream } from './WindowedStream.js';

/** Options of {@link DataStream.keyBy}. */
export interface KeyByOptions {
  /**
   * Declares that the source is already partitioned by this key (a Kafka topic keyed by it, as
   * `clickflow produce` keys the clickstream by URL): records do not move, which saves the move's
   * cost, and each partition's windows are exact for its keys. Flink's `reinterpretAsKeyedStream`.
   * Wrong when it is not so: keys spread over partitions then give one result per partition.
   * Default false: records move, so all records of a key meet whatever partition they came from.
   */
  readonly sourcePartitioned?: boolean;
}

/**
 * A stream of typed records with event times, as Flink's `DataStream`. Every step returns a
 * new stream; the runtime carries positions, event times and the raw records around the
 * functions given here, so no step can break commits or side outputs. A stream may be read
 * by several steps (branches); each branch ends in an output (`toPoints`, `toRecords`).
 */
export class DataStream<T> {
  constructor(
    /** The job this stream belongs to. */
    protected readonly graph: JobGraph,
    /** The step that produces this stream. */
    protected readonly node: PlanNode,
  ) {}

  /** Keeps the records `predicate` is true for; the others are dropped on purpose, unreported. */
  filter(predicate: (record: T) => boolean): this {
    return this.with('filter', filterStage<T>((record) => (predicate(record) ? null : DROPPED), false));
  }

  /** Replaces each record by `fn(record)`; its event time stays the one it had. */
  map<U>(fn: (record: T) => U): DataStream<U> {
    return new DataStream<U>(this.graph, { kind: 'stage', parent: this.node, label: 'map', stage: mapStage(fn) });
  }

  /**
   * Refuses records with a reason of the job's own: each record `check` returns a failure
   * for goes to the dead-letter output with it, and is counted under that reason.
   * @example .validate((e) => e.url.startsWith('/') ? null : { reason: 'relative_url', detail: `url ${e.url} has no leading /` })
   */
  validate(check: (record: T) => ValidationFailure | null): this {
    return this.with('validate', filterStage(check, true));
  }

  /** How far behind the newest record another may arrive and still be on time (the source watermark's bound). */
  withMaxOutOfOrderness(bound: Duration): DataStream<T> {
    if (this.graph.isDownstreamOfWindowOrMove(this.node)) {
      throw new ConfigError('withMaxOutOfOrderness', 'applies to the source’s records: call it before the first keyBy or window');
    }
    const maxOutOfOrdernessMs = nonNegativeMs(durationMs(bound, 'max out-of-orderness'), 'max out-of-orderness');
    return new DataStream<T>(this.graph, { kind: 'watermarks', parent: this.node, maxOutOfOrdernessMs });
  }

  /**
   * Groups the records by key, as Flink's `keyBy`: the windows after it hold one state and
   * emit one result per key, with every record of the key, from whichever partition it was
   * read. Records move between partitions for that (see {@link KeyByOptions.sourcePartitioned}
   * to say they need not). Keys are compared by value: a string, a number, or an array or
   * plain object of those (`[e.url, e.http_status]`).
   */
  keyBy<K>(keyOf: (record: T) => K, options: KeyByOptions = {}): KeyedStream<T, K> {
    return new KeyedStream<T, K>(this.graph, this.node, keyOf, options.sourcePartitioned !== true);
  }

  /**
   * Windows over all of each partition's records, without a key and without a move: one
   * result per partition and window (what the shipped error-rates job sums over the
   * `partition` tag).
   */
  window(assigner: WindowAssigner): WindowedStream<T, undefined> {
    return new WindowedStream<T, undefined>(this.graph, this.node, { windows: assigner, keyOf: undefined, moves: false });
  }

  /**
   * Ends this branch in points for the job's point output (`--to`), each stamped with the
   * record's event time.
   * @example .toPoints((e, point) => point('slow_requests').tag('url', e.url).intField('latency_ms', e.latency_ms))
   */
  toPoints(toPoints: (record: T, point: PointFactory) => Point | readonly Point[] | undefined | void): Job {
    return this.output({ kind: 'points', stampedAt: 'eventTime', toPoints: toPoints as (record: unknown, point: PointFactory) => Point | undefined });
  }

  /**
   * Ends this branch in JSON lines for the record output `name` (`clickflow run --output
   * name=file:sessions.jsonl`): each record as `JSON.stringify(toJson(record, origin))`.
   * `origin` is where the source read the record (partition and position) when no window is on
   * the path, so that an output can key records by it (the archive job does); else undefined.
   * @example sessions.toRecords('sessions', (s) => ({ user: s.key, pages: s.value.pages }))
   */
  toRecords(name: string, toJson: (record: T, origin: RecordOrigin | undefined) => unknown = (record) => record): Job {
    if (!/^[a-z][a-z0-9_-]*$/.test(name)) {
      throw new ConfigError('toRecords', `"${name}" is not an output name; use lowercase letters, digits, - and _, starting with a letter (e.g. sessions)`);
    }
    return this.output({ kind: 'records', name, toJson: toJson as (record: unknown, origin: RecordOrigin | undefined) => unknown });
  }

  protected output(output: OutputNode['output']): Job {
    return this.graph.addOutput({ kind: 'output', parent: this.node, output });
  }

  private with(label: string, stage: ReturnType<typeof filterStage>): this {
    const Stream = this.constructor as new (graph: JobGraph, node: PlanNode) => this;
    return new Stream(this.graph, { kind: 'stage', parent: this.node, label, stage });
  }
}

const DROPPED: ValidationFailure = { reason: 'filtered', detail: 'dropped by the job’s filter' };
