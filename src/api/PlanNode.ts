import type { AggregateFunction } from '../operators/AggregateFunction.js';
import type { Trigger } from '../operators/Trigger.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import type { WindowResult } from '../operators/WindowResult.js';
import type { Point } from '../points/Point.js';
import type { RecordFormat } from './RecordFormat.js';
import type { RecordStage } from './RecordStage.js';

/**
 * One step of a job's dataflow graph, as Flink's `Transformation`: every call of the job API
 * adds one, pointing at the step it reads from. Steps that several branches read are run once.
 */
export type PlanNode = SourceNode | StageNode | WatermarkNode | WindowNode | OutputNode;

export interface SourceNode {
  readonly kind: 'source';
  readonly format: RecordFormat<unknown>;
}

/** A per-record step: `filter`, `map`, `validate`. */
export interface StageNode {
  readonly kind: 'stage';
  readonly parent: PlanNode;
  /** `filter`, `map` or `validate`, for `describe`. */
  readonly label: string;
  readonly stage: RecordStage;
}

/** `withMaxOutOfOrderness`: the bound of the source's watermark. */
export interface WatermarkNode {
  readonly kind: 'watermarks';
  readonly parent: PlanNode;
  readonly maxOutOfOrdernessMs: number;
}

/** A windowed aggregate; with `moves`, preceded by a move of its records between partitions by key. */
export interface WindowNode {
  readonly kind: 'window';
  readonly parent: PlanNode;
  readonly windows: WindowAssigner;
  readonly trigger: Trigger;
  readonly allowedLatenessMs?: number;
  readonly keyOf: ((record: unknown) => unknown) | undefined;
  /** Whether records move between partitions by `keyOf` first (`keyBy`), or stay where they are. */
  readonly moves: boolean;
  readonly aggregate: AggregateFunction<unknown, unknown, unknown>;
}

/** Where a branch ends: points for the job's point output, or JSON lines for a named record output. */
export interface OutputNode {
  readonly kind: 'output';
  readonly parent: PlanNode;
  readonly output: PointsOutput | RecordsOutput;
}

/** Makes a point: stamped with the window start (or the record's event time) and, per partition, tagged with it. */
export type PointFactory = (measurement: string) => Point;

/** Turns one fired window into points; may return one, several or none. */
export type ToPoints<OUT, K> = (window: WindowResult<OUT, K>, point: PointFactory) => Point | readonly Point[] | undefined | void;

export interface PointsOutput {
  readonly kind: 'points';
  /** Window results are stamped with their window's start; other records with their event time. */
  readonly stampedAt: 'windowStart' | 'eventTime';
  readonly toPoints: (record: unknown, point: PointFactory) => Point | readonly Point[] | undefined | void;
}

/** Where the source read a record: its partition and position (Kafka offset, line number). */
export interface RecordOrigin {
  readonly partition: number;
  readonly position: number;
}

export interface RecordsOutput {
  readonly kind: 'records';
  /** The output's name: `clickflow run --output <name>=file:…` connects it. */
  readonly name: string;
  /** What each record is written as, with `JSON.stringify`; `origin` is set for records read from the source (no window on the path). */
  readonly toJson: (record: unknown, origin: RecordOrigin | undefined) => unknown;
}

/** The step `node` reads from; `undefined` for the source. */
export function parentOf(node: PlanNode): PlanNode | undefined {
  return node.kind === 'source' ? undefined : node.parent;
}
