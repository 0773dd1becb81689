import type { ArchivedEvent } from '../../jobs/archive/ArchivedEvent.js';
import { PostgresWriteError } from './PostgresWriteError.js';
import { quotedTable } from './PostgresTarget.js';

/** The click-event schema's fields that get a column of their own, with its SQL type and parameter array type; every other field goes to `extra`. */
const SCHEMA_COLUMNS = [
  ['event_id', 'text', 'text[]'],
  ['user_id', 'text NOT NULL', 'text[]'],
  ['session_id', 'text', 'text[]'],
  ['url', 'text NOT NULL', 'text[]'],
  ['http_status', 'smallint NOT NULL', 'smallint[]'],
  ['method', 'text', 'text[]'],
  ['referrer', 'text', 'text[]'],
  ['user_agent', 'text', 'text[]'],
  ['latency_ms', 'double precision', 'float8[]'],
] as const;

/** Every column in insert order, with the element type of its parameter array. */
const COLUMNS: readonly (readonly [name: string, definition: string, arrayType: string])[] = [
  ...SCHEMA_COLUMNS,
  // event_timestamp as sent may be seconds or ISO with any offset: stored as the instant it names.
  ['event_time', 'timestamptz NOT NULL', 'timestamptz[]'],
  ['extra', 'jsonb', 'jsonb[]'],
  // Where it was read: the key of an event without event_id.
  ['source', 'text NOT NULL', 'text[]'],
  ['source_partition', 'integer NOT NULL', 'integer[]'],
  ['source_offset', 'bigint NOT NULL', 'bigint[]'],
];

const SCHEMA_FIELDS = new Set<string>([...SCHEMA_COLUMNS.map(([name]) => name), 'event_timestamp']);

/**
 * The statements that create the table if it is missing. An event is one row, identified by
 * its `event_id` when it has one (a tracker's retry sent at another offset is the same event),
 * else by where it was read (`source`, `source_partition`, `source_offset`): two unique
 * indexes, the second partial, so that `ON CONFLICT DO NOTHING` drops a row that either finds.
 */
export function createTableStatements(table: string): string[] {
  const name = quotedTable(table);
  const base = table.split('.').pop()!;
  return [
    `CREATE TABLE IF NOT EXISTS ${name} (${COLUMNS.map(([column, definition]) => `${column} ${definition}`).join(', ')})`,
    `CREATE UNIQUE INDEX IF NOT EXISTS "${base}_event_id" ON ${name} (event_id)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS "${base}_position" ON ${name} (source, source_partition, source_offset) WHERE event_id IS NULL`,
  ];
}

/** One multi-row INSERT of column arrays: 14 parameters whatever the row count. Rows already there are skipped. */
export function insertStatement(table: string): string {
  const names = COLUMNS.map(([column]) => column).join(', ');
  const arrays = COLUMNS.map(([, , arrayType], i) => `$${i + 1}::${arrayType}`).join(', ');
  return `INSERT INTO ${quotedTable(table)} (${names}) SELECT * FROM unnest(${arrays}) ON CONFLICT DO NOTHING`;
}

/** Rows as one array per column, the parameters of {@link insertStatement}. */
export class EventColumns {
  readonly values: unknown[][] = COLUMNS.map(() => []);

  get rows(): number {
    return this.values[0]!.length;
  }

  /**
   * Adds one line of the archive job's `events` output.
   * @param source the source's name (the Kafka topic, `file:/abs/path`), part of an event's key
   * @throws PostgresWriteError when the line is not an archived event (another job's output)
   */
  add(line: string, source: string): void {
    const archived = JSON.parse(line) as ArchivedEvent;
    const { event } = archived ?? {};
    if (typeof event !== 'object' || event === null || !Number.isSafeInteger(archived.offset) || !Number.isFinite(archived.event_time_ms)) {
      throw new PostgresWriteError(
        'a postgres:// output takes the archive job’s events (clickflow run archive --output events=postgres://…); this record is not one of them',
        undefined,
        false,
      );
    }
    const values = this.values;
    let c = 0;
    for (const [field] of SCHEMA_COLUMNS) values[c++]!.push(event[field] ?? null);
    values[c++]!.push(new Date(archived.event_time_ms).toISOString());
    let extra: Record<string, unknown> | null = null;
    for (const key of Object.keys(event)) {
      if (SCHEMA_FIELDS.has(key)) continue;
      (extra ??= {})[key] = event[key];
    }
    values[c++]!.push(extra === null ? null : JSON.stringify(extra));
    values[c++]!.push(source);
    values[c++]!.push(archived.partition);
    values[c++]!.push(archived.offset);
  }
}
