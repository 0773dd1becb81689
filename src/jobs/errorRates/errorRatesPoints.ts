import type { PointFactory } from '../../api/PlanNode.js';
import type { WindowResult } from '../../operators/WindowResult.js';
import type { Point } from '../../points/Point.js';
import { jobHealthPoint } from '../jobHealthPoint.js';
import type { ErrorRatesWindow } from './ErrorRatesAggregate.js';

/**
 * The points of one window of the error-rates job (each also tagged with its partition and
 * stamped with the window start):
 *
 * - `url_counts,url=<url> count=<n>i`
 * - `status_counts,status=<code> count=<n>i`
 * - `error_rates total=<n>i,errors=<n>i,client_errors=<n>i,server_errors=<n>i,rate=<r>`
 * - `url_errors,url=<url> errors=<n>i` (statuses >= 400; only for URLs that had any)
 * - `job_health,firing=<n> records=<n>i,late_records=<n>i,invalid_records=<n>i,watermark_lag_ms=<ms>i,late_by_max_ms=<ms>i,late_by_p99_ms=<ms>i`
 *   (see {@link jobHealthPoint}; the only one that differs between replays)
 *
 * A re-emission within the allowed lateness has the same series and time, so it overwrites
 * the earlier point in InfluxDB.
 */
export function errorRatesPoints(window: WindowResult<ErrorRatesWindow>, point: PointFactory): Point[] {
  const w = window.value;
  const points: Point[] = [];
  for (const [url, n] of w.urlCounts) points.push(point('url_counts').tag('url', url).intField('count', n));
  for (const [status, n] of w.statusCounts) points.push(point('status_counts').tag('status', String(status)).intField('count', n));
  points.push(
    point('error_rates')
      .intField('total', w.total)
      .intField('errors', w.errors)
      .intField('client_errors', w.clientErrors)
      .intField('server_errors', w.serverErrors)
      .floatField('rate', w.rate),
  );
  for (const [url, n] of w.urlErrors) points.push(point('url_errors').tag('url', url).intField('errors', n));
  points.push(jobHealthPoint(window, point));
  return points;
}
