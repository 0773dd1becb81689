import type { PointFactory } from '../../api/AggregatedStream.js';
import type { WindowResult } from '../../operators/WindowResult.js';
import type { Point } from '../../points/Point.js';
import type { ErrorRatesWindow } from './ErrorRatesAggregate.js';

/**
 * The points of one window of the error-rates job (each also tagged with its partition and
 * stamped with the window start):
 *
 * - `url_counts,url=<url> count=<n>i`
 * - `status_counts,status=<code> count=<n>i`
 * - `error_rates total=<n>i,errors=<n>i,client_errors=<n>i,server_errors=<n>i,rate=<r>`
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
  return points;
}
