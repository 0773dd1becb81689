import type { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import type { ExpectedWindow, WindowKey } from './referenceWindows.js';

/** Everything the job wrote to a bucket, in the shape of {@link referenceWindows}. */
export async function readErrorRates(bucket: InfluxTestBucket): Promise<Map<WindowKey, ExpectedWindow & { rate: number }>> {
  const windows = new Map<WindowKey, ExpectedWindow & { rate: number }>();
  const get = (partition: string, time: string) => {
    const key = `${partition}|${Date.parse(time)}`;
    let w = windows.get(key);
    if (w === undefined) {
      w = { urls: new Map(), statuses: new Map(), total: 0, clientErrors: 0, serverErrors: 0, errorUrls: new Set(), rate: NaN };
      windows.set(key, w);
    }
    return w;
  };
  type Row = { _measurement: string; _field: string; _value: number; _time: string; partition: string; url?: string; status?: string };
  const rows = await bucket.query<Row>('|> range(start: 0)');
  for (const r of rows) {
    // Whether a point is final, with early firings on: not a count.
    if (r._field === 'final') continue;
    const w = get(r.partition, r._time);
    if (r._measurement === 'url_counts') w.urls.set(r.url!, r._value);
    else if (r._measurement === 'status_counts') w.statuses.set(Number(r.status), r._value);
    else if (r._measurement === 'error_rates') {
      if (r._field === 'total') w.total = r._value;
      else if (r._field === 'client_errors') w.clientErrors = r._value;
      else if (r._field === 'server_errors') w.serverErrors = r._value;
      else if (r._field === 'rate') w.rate = r._value;
    }
  }
  return windows;
}

/** The reference windows as plain, comparable data (rates derived), sorted by key. */
export function comparable(windows: Map<WindowKey, ExpectedWindow>): unknown {
  return [...windows]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, w]) => ({
      key,
      urls: [...w.urls].sort(([a], [b]) => (a < b ? -1 : 1)),
      statuses: [...w.statuses].sort(([a], [b]) => a - b),
      total: w.total,
      clientErrors: w.clientErrors,
      serverErrors: w.serverErrors,
    }));
}
