import type { ConsumedRecord } from './consumeAll.js';

/** One window of one partition as the error-rates job must report it. */
export interface ExpectedWindow {
  readonly urls: Map<string, number>;
  readonly statuses: Map<number, number>;
  total: number;
  clientErrors: number;
  serverErrors: number;
  /** URLs with a status >= 400 in the window: one `url_errors` point each. */
  readonly errorUrls: Set<string>;
}

/** How many points the job writes for a window: per URL, per URL with errors, per status, error_rates and job_health. */
export function pointsOf(w: ExpectedWindow): number {
  return w.urls.size + w.errorUrls.size + w.statuses.size + 2;
}

/** `partition|windowStartMs` */
export type WindowKey = string;

interface Event {
  url?: unknown;
  user_id?: unknown;
  http_status?: unknown;
  event_timestamp?: unknown;
}

/** The engine's validity rules, restated independently of the code under test. */
export function eventTimeMs(value: string): number | undefined {
  let e: Event;
  try {
    e = JSON.parse(value) as Event;
  } catch {
    return undefined;
  }
  if (typeof e !== 'object' || e === null) return undefined;
  if (typeof e.url !== 'string' || e.url === '' || typeof e.user_id !== 'string' || e.user_id === '') return undefined;
  if (typeof e.http_status !== 'number' || !Number.isInteger(e.http_status) || e.http_status < 100 || e.http_status > 599) {
    return undefined;
  }
  const ts = e.event_timestamp;
  const ms = typeof ts === 'number' ? Math.round(ts * 1000) : typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Brute-force reference of the error-rates job, partition by partition in offset order:
 * a record is late when its tumbling window's end plus the out-of-orderness is at or below
 * the highest event time seen before it. With `bounded`, every window fires at the end;
 * otherwise only those the partition's watermark has passed.
 */
export function referenceWindows(
  records: readonly Pick<ConsumedRecord, 'partition' | 'offset' | 'value'>[],
  { windowMs, maxOutOfOrdernessMs, bounded }: { windowMs: number; maxOutOfOrdernessMs: number; bounded: boolean },
): { windows: Map<WindowKey, ExpectedWindow>; valid: number; late: number } {
  const windows = new Map<WindowKey, ExpectedWindow>();
  const maxByPartition = new Map<number, number>();
  let valid = 0;
  let late = 0;
  const ordered = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of ordered) {
    const ms = eventTimeMs(r.value);
    if (ms === undefined) continue;
    valid++;
    const e = JSON.parse(r.value) as { url: string; http_status: number };
    const maxMs = maxByPartition.get(r.partition) ?? -Infinity;
    const start = Math.floor(ms / windowMs) * windowMs;
    if (start + windowMs + maxOutOfOrdernessMs <= maxMs) {
      late++;
    } else {
      const key = `${r.partition}|${start}`;
      let w = windows.get(key);
      if (w === undefined) {
        w = { urls: new Map(), statuses: new Map(), total: 0, clientErrors: 0, serverErrors: 0, errorUrls: new Set() };
        windows.set(key, w);
      }
      w.urls.set(e.url, (w.urls.get(e.url) ?? 0) + 1);
      w.statuses.set(e.http_status, (w.statuses.get(e.http_status) ?? 0) + 1);
      w.total++;
      if (e.http_status >= 500) w.serverErrors++;
      else if (e.http_status >= 400) w.clientErrors++;
      if (e.http_status >= 400) w.errorUrls.add(e.url);
    }
    maxByPartition.set(r.partition, Math.max(maxMs, ms));
  }
  if (!bounded) {
    for (const key of [...windows.keys()]) {
      const [partition, start] = key.split('|').map(Number) as [number, number];
      if (start + windowMs + maxOutOfOrdernessMs > (maxByPartition.get(partition) ?? -Infinity)) windows.delete(key);
    }
  }
  return { windows, valid, late };
}
