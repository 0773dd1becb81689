import { buildProgram } from './program.js';
import { handleError } from './handleError.js';
import { logger } from '../logging/logger.js';

/** How long a finished command may wait for its connections to wind down before it exits anyway. */
const EXIT_GRACE_MS = 10_000;

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  handleError(error);
}
// Everything is flushed and committed by now. If a client library still holds a socket or
// timer open, exit rather than hang; unref'd, so a clean exit is never delayed by it.
setTimeout(() => {
  logger.warn({ graceMs: EXIT_GRACE_MS }, 'connections still open after the command finished; exiting');
  process.exit();
}, EXIT_GRACE_MS).unref();
