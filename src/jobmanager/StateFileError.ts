import { ClickflowError } from '../errors/ClickflowError.js';

/**
 * The job manager could not write its state file (disk full, a file where its directory
 * should be). Retriable: the manager keeps its jobs in memory and writes the file again.
 */
export class StateFileError extends ClickflowError {
  override readonly name = 'StateFileError';

  constructor(message: string, cause: unknown) {
    super(message, { retriable: true, cause });
  }
}
