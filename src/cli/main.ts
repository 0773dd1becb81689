import { DEFAULTS } from '../config/defaults.js';
import { buildProgram } from './program.js';
import { handleError } from './handleError.js';
import { logger } from '../logging/logger.js';
import { shutdownSignal } from './shutdownSignal.js';

/** Commands that stop on `shutdownSignal`, also when it came while the CLI was loading. */
const STOPS_ON_SHUTDOWN_SIGNAL = new Set(['run', 'jobmanager', 'demo']);

// Once the reader of stdout or stderr has gone (`2>&1 | head -1`), what is left to say there has
// no reader either: a failed write must not crash the command. Outputs of data listen for their
// own errors as well, and stop their job on them.
const ignoreClosedPipe = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
};
process.stdout.on('error', ignoreClosedPipe);
process.stderr.on('error', ignoreClosedPipe);

const program = buildProgram();
// The other commands install their own signal handlers when their action starts, and never
// see a signal that came before: exit as Node would have, had bin/clickflow.js not caught it.
program.hook('preAction', (_program, command) => {
  if (shutdownSignal.aborted && !STOPS_ON_SHUTDOWN_SIGNAL.has(command.name())) {
    process.exit(shutdownSignal.reason === 'SIGINT' ? 130 : 143);
  }
});
try {
  await program.parseAsync(process.argv);
} catch (error) {
  handleError(error);
}
// Everything is flushed and committed by now. If a client library still holds a socket or
// timer open, exit rather than hang; unref'd, so a clean exit is never delayed by it.
setTimeout(() => {
  logger.warn({ graceMs: DEFAULTS.exitGraceMs }, 'connections still open after the command finished; exiting');
  process.exit();
}, DEFAULTS.exitGraceMs).unref();
