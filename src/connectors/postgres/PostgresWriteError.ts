import { ClickflowError } from '../../errors/ClickflowError.js';

/**
 * PostgreSQL refused the archive's connection or INSERT for good (a wrong password, a missing
 * database, no permission), or kept failing past the retry budget. Never carries the password.
 */
export class PostgresWriteError extends ClickflowError {
  override readonly name = 'PostgresWriteError';

  constructor(
    message: string,
    /** PostgreSQL's SQLSTATE, when it answered (`28P01`). */
    readonly sqlState: string | undefined,
    retriable: boolean,
    cause?: unknown,
  ) {
    super(message, { retriable, cause });
  }
}
