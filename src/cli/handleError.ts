import { CommanderError } from 'commander';
import { ClickflowError } from '../errors/ClickflowError.js';
import { ConfigError } from '../errors/ConfigError.js';
import { InterruptedError } from '../errors/InterruptedError.js';

/** Exit code of a usage error: a bad flag, option value or configuration. */
export const EXIT_USAGE = 2;
/** Exit code of a job that failed while running. */
export const EXIT_FAILURE = 1;

/**
 * Prints an error as one clear message (no stack trace for errors clickflow raised on
 * purpose) and sets the exit code: 2 for usage and configuration errors, 1 otherwise.
 */
export function handleError(error: unknown): void {
  if (error instanceof CommanderError) {
    // Commander has printed its message already.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
    return;
  }
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') {
    // The reader of stdout stopped early (`clickflow run … | head`): as for any Unix filter,
    // that ends the run, and is not a failure worth a stack trace.
    return;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (error instanceof InterruptedError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = error.exitCode;
    return;
  }
  if (error instanceof ClickflowError) {
    process.stderr.write(`error: ${error.message}\n`);
  } else {
    process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exitCode = EXIT_FAILURE;
}
