import { DEFAULTS } from '../../config/defaults.js';
import { ConfigError } from '../../errors/ConfigError.js';

/** Where the archive's PostgreSQL output writes: `postgres://user:password@host:port/database?table=name`. */
export interface PostgresTarget {
  /** The URL for node-postgres, without `table`; it may hold the password. */
  readonly connectionString: string;
  /** The table, as given (lowercase; `schema.table` allowed). */
  readonly table: string;
  /** `postgres db.example:5432/clicks table click_events`: for messages, never with the user or password. */
  readonly description: string;
}

/** A PostgreSQL identifier that needs no quoting rules beyond the double quotes it gets. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads a `postgres://` or `postgresql://` URL. Its own query parameter `table` names the table
 * (default `DEFAULTS.postgres.table`); the others (`sslmode`, …) go to node-postgres. The password
 * may be left out and given in `PGPASSWORD`, so that it is on no command line.
 * @param option what named it, for messages (`--output events`)
 */
export function parsePostgresTarget(text: string, option: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(option, 'is not a PostgreSQL URL; use postgres://USER@HOST:PORT/DATABASE (the password in PGPASSWORD), e.g. postgres://clickflow@localhost:5432/clickflow');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(option, `a PostgreSQL URL starts with postgres:// or postgresql://, not ${url.protocol}//`);
  }
  if (url.hostname === '') throw new ConfigError(option, 'the PostgreSQL URL names no host, e.g. postgres://clickflow@localhost:5432/clickflow');
  const table = url.searchParams.get('table') ?? DEFAULTS.postgres.table;
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new ConfigError(option, `table "${table}" is not a plain table name; use lowercase letters, digits and _ (at most 63), optionally schema.table`);
  }
  url.searchParams.delete('table');
  const database = decodeURIComponent(url.pathname.slice(1)) || '(the user’s database)';
  return {
    connectionString: url.toString(),
    table,
    description: `postgres ${url.host}/${database} table ${table}`,
  };
}

/** The table's name quoted for SQL: `"click_events"`, `"archive"."click_events"`. */
export function quotedTable(table: string): string {
  return table
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}
