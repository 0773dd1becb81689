import type { PointFactory } from '../api/PlanNode.js';
import type { WindowResult } from '../operators/WindowResult.js';
import type { Point } from '../points/Point.js';

/**
 * The `job_health` point of one firing (README, "Events and output schema"):
 * `job_health,partition=<p>,firing=<n> records=<n>i,late_records=<n>i,invalid_records=<n>i,watermark_lag_ms=<ms>i,late_by_max_ms=<ms>i,late_by_p99_ms=<ms>i <window start>`.
 * Tagged with the firing because a re-emission (within the allowed lateness) carries other
 * records' counts than the firing before it: stamped alike, it would overwrite them in InfluxDB.
 * Summed over `partition` and `firing`, the counts are the topic's; the watermark lag depends
 * on the wall clock, so unlike the results it differs between replays.
 */
export function jobHealthPoint(window: WindowResult<unknown, unknown>, point: PointFactory): Point {
  const h = window.health;
  return point('job_health')
    .tag('firing', String(window.firing))
    .intField('records', h.records)
    .intField('late_records', h.lateRecords)
    .intField('invalid_records', h.invalidRecords)
    .intField('watermark_lag_ms', h.watermarkLagMs)
    .intField('late_by_max_ms', h.lateByMaxMs)
    .intField('late_by_p99_ms', h.lateByP99Ms);
}
