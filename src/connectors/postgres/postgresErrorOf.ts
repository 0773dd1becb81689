import { PostgresWriteError } from './PostgresWriteError.js';

/**
 * SQLSTATEs that doing the same again may get past: a connection lost or refused while the
 * server starts or stops (class 08, 57P01–57P03), too many connections, and a transaction
 * rolled back for a conflict.
 */
const RETRIABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);

const HINTS: Readonly<Record<string, string>> = {
  '28P01': 'the password was refused; check the URL’s user and PGPASSWORD',
  '28000': 'the server refused this user or address; check pg_hba.conf and the URL’s user',
  '3D000': 'the database does not exist; create it or fix the URL’s database',
  '42501': 'the user may not create or write the table; grant it CREATE and INSERT, or create the table first',
  '3F000': 'the table’s schema does not exist; create it or fix ?table=',
};

/** Whether a failure (a node-postgres error or a socket's) may pass if tried again. */
export function isRetriablePostgresError(error: unknown): boolean {
  if (error instanceof PostgresWriteError) return error.retriable;
  const state = sqlStateOf(error);
  // No SQLSTATE: the socket failed (refused, reset, timed out, closed by a server going down).
  if (state === undefined) return true;
  return state.startsWith('08') || RETRIABLE_STATES.has(state);
}

/** A {@link PostgresWriteError} that says what failed where and what to do, without the password. */
export function postgresErrorOf(error: unknown, description: string, retriedUntilBudget: boolean): PostgresWriteError {
  if (error instanceof PostgresWriteError) return error;
  const state = sqlStateOf(error);
  const message = (error as Error)?.message ?? String(error);
  const code = (error as NodeJS.ErrnoException)?.code;
  const what = state === undefined ? `${code === undefined ? '' : `${code} `}${message}` : `${message} (SQLSTATE ${state})`;
  const hint =
    (state === undefined ? undefined : HINTS[state]) ??
    (isRetriablePostgresError(error)
      ? retriedUntilBudget
        ? 'PostgreSQL kept failing for the whole retry budget; check that it is running and the URL points at it'
        : 'check that PostgreSQL is running and the URL points at it'
      : 'PostgreSQL refused the statement; see its log');
  return new PostgresWriteError(`cannot write to ${description}: ${what}: ${hint}`, state, !retriedUntilBudget && isRetriablePostgresError(error), error);
}

/** The SQLSTATE of an error the server sent (node-postgres gives those a `severity`), not a socket's errno. */
function sqlStateOf(error: unknown): string | undefined {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  return typeof severity === 'string' && typeof code === 'string' ? code : undefined;
}
