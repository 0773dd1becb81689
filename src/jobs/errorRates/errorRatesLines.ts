import { escape } from '@influxdata/influxdb-client';
import type { WindowResult } from '../../operators/WindowResult.js';
import type { ErrorRatesWindow } from './ErrorRatesAggregate.js';

/**
 * Writes one window of the error-rates job as InfluxDB line protocol, appending to `out`:
 *
 * - `url_counts,partition=<p>,url=<url> count=<n>i <ts>`
 * - `status_counts,partition=<p>,status=<code> count=<n>i <ts>`
 * - `error_rates,partition=<p> total=<n>i,errors=<n>i,client_errors=<n>i,server_errors=<n>i,rate=<r> <ts>`
 *
 * The timestamp is the window start in nanoseconds, so a re-emission within the allowed
 * lateness overwrites the earlier point of the same series. Tag values are escaped with the
 * official client's `escape.tag`, so InfluxDB stores a URL exactly as sent.
 */
export function errorRatesLines(result: WindowResult<ErrorRatesWindow>, out: string[]): void {
  // Window starts are whole milliseconds; appending digits keeps nanoseconds exact where
  // multiplying by 1e6 would overflow the 2^53 integer range.
  const timestamp = `${result.startMs}000000`;
  const partitionTag = `,partition=${result.partition}`;
  const w = result.value;
  for (const [url, n] of w.urlCounts) {
    out.push(`url_counts${partitionTag},url=${escape.tag(url)} count=${n}i ${timestamp}`);
  }
  for (const [status, n] of w.statusCounts) {
    out.push(`status_counts${partitionTag},status=${status} count=${n}i ${timestamp}`);
  }
  out.push(
    `error_rates${partitionTag} total=${w.total}i,errors=${w.errors}i,client_errors=${w.clientErrors}i,` +
      `server_errors=${w.serverErrors}i,rate=${w.rate} ${timestamp}`,
  );
}
