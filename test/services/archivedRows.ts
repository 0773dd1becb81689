import pg from 'pg';
import { validateClickEvent } from '../../src/events/validateClickEvent.js';
import { textFitsPostgres } from '../../src/jobs/archive/textFitsPostgres.js';

/** One archived row as the tests compare it, whatever PostgreSQL's types give back. */
export interface ArchivedRow {
  readonly event_id: string | null;
  readonly user_id: string;
  readonly session_id: string | null;
  readonly url: string;
  readonly http_status: number;
  readonly method: string | null;
  readonly referrer: string | null;
  readonly user_agent: string | null;
  readonly latency_ms: number | null;
  readonly event_time_ms: number;
  readonly extra: Record<string, unknown> | null;
  readonly source: string;
  readonly source_partition: number;
  readonly source_offset: number;
}

const SCHEMA_FIELDS = new Set(['event_id', 'user_id', 'session_id', 'url', 'http_status', 'method', 'referrer', 'user_agent', 'latency_ms', 'event_timestamp']);

/**
 * The rows an archive of `records` must hold, worked out from the records alone: each valid
 * event once, by `event_id` or else by position, the first one read of an `event_id` kept.
 */
export function expectedArchive(records: readonly { partition: number; offset: number; value: string }[], source: string): Map<string, ArchivedRow> {
  const rows = new Map<string, ArchivedRow>();
  for (const record of records) {
    let value: unknown;
    try {
      value = JSON.parse(record.value);
    } catch {
      continue;
    }
    if (validateClickEvent(value) !== null || textFitsPostgres(value) !== null) continue;
    const event = value as Record<string, unknown> & { eventTimeMs: number };
    const extra: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(event)) if (!SCHEMA_FIELDS.has(key) && key !== 'eventTimeMs') extra[key] = field;
    const row: ArchivedRow = {
      event_id: (event.event_id as string | undefined) ?? null,
      user_id: event.user_id as string,
      session_id: (event.session_id as string | undefined) ?? null,
      url: event.url as string,
      http_status: event.http_status as number,
      method: (event.method as string | undefined) ?? null,
      referrer: (event.referrer as string | undefined) ?? null,
      user_agent: (event.user_agent as string | undefined) ?? null,
      latency_ms: (event.latency_ms as number | undefined) ?? null,
      event_time_ms: event.eventTimeMs,
      extra: Object.keys(extra).length === 0 ? null : extra,
      source,
      source_partition: record.partition,
      source_offset: record.offset,
    };
    const key = keyOf(row);
    if (!rows.has(key)) rows.set(key, row);
  }
  return rows;
}

/** Every row of `table`, by key; `duplicates` counts keys found more than once (none, if the unique indexes hold). */
export async function readArchive(url: string, table: string): Promise<{ rows: Map<string, ArchivedRow>; total: number; duplicates: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(
      `SELECT event_id, user_id, session_id, url, http_status, method, referrer, user_agent, latency_ms,
              (extract(epoch FROM event_time) * 1000)::float8 AS event_time_ms, extra, source, source_partition, source_offset::float8 AS source_offset
       FROM "${table}"`,
    );
    const rows = new Map<string, ArchivedRow>();
    let duplicates = 0;
    for (const row of result.rows as ArchivedRow[]) {
      const key = keyOf(row);
      if (rows.has(key)) duplicates++;
      rows.set(key, { ...row, event_time_ms: Math.round(row.event_time_ms) });
    }
    return { rows, total: result.rows.length, duplicates };
  } finally {
    await client.end();
  }
}

/** Keys whose rows differ between `a` and `b`, or that only one of them has. */
export function archiveDifferences(a: ReadonlyMap<string, ArchivedRow>, b: ReadonlyMap<string, ArchivedRow>): string[] {
  const differing: string[] = [];
  for (const [key, row] of a) if (!b.has(key) || JSON.stringify(sorted(row)) !== JSON.stringify(sorted(b.get(key)!))) differing.push(key);
  for (const key of b.keys()) if (!a.has(key)) differing.push(key);
  return differing;
}

function keyOf(row: ArchivedRow): string {
  return row.event_id ?? `${row.source}/${row.source_partition}/${row.source_offset}`;
}

/** The value with object keys in order (jsonb gives them back in its own order). */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sorted((value as Record<string, unknown>)[key])]));
}
