import type { Job } from '../jobs/Job.js';
import type { WindowResult } from '../operators/WindowResult.js';
import { DataStream } from './DataStream.js';
import type { PointFactory, RecordOrigin, ToPoints } from './PlanNode.js';

/**
 * The results of a windowed aggregate: one {@link WindowResult} per firing of each window (and
 * key), with the event time Flink gives it (window end − 1) and the window's watermark. It is a
 * stream like any other; `toPoints` here stamps each point with its window's start.
 */
export class AggregatedStream<OUT, K> extends DataStream<WindowResult<OUT, K>> {
  /**
   * Ends this branch in points for the job's point output: each firing of each window becomes
   * the points `toPoints` returns, stamped with the window's start and, for windows kept per
   * partition (no move), tagged with the partition (sum over the tag for the whole topic).
   * @example .toPoints((w, point) => point('slowest').tag('url', w.key).floatField('latency_ms', w.value))
   */
  override toPoints(toPoints: ToPoints<OUT, K>): Job {
    return this.output({ kind: 'points', stampedAt: 'windowStart', toPoints: toPoints as (record: unknown, point: PointFactory) => undefined });
  }

  /**
   * Ends this branch in JSON lines for the record output `name`; by default each result as
   * `{ key, start, end, firing, value }` with ISO-8601 times.
   */
  override toRecords(name: string, toJson: (result: WindowResult<OUT, K>, origin: RecordOrigin | undefined) => unknown = windowResultJson): Job {
    return super.toRecords(name, toJson);
  }
}

function windowResultJson(result: WindowResult<unknown, unknown>): unknown {
  return { key: result.key, start: new Date(result.startMs).toISOString(), end: new Date(result.endMs).toISOString(), firing: result.firing, value: result.value };
}
