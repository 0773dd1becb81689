/**
 * SIGINT and SIGTERM as an AbortSignal, caught from the first lines of `bin/clickflow.js`.
 *
 * The handlers are installed before the CLI loads kafkajs, pino, rxjs and the InfluxDB client
 * (a few hundred ms on a loaded machine): a signal that arrives meanwhile would otherwise kill
 * the process with Node's default action (exit 143, nothing flushed). Here it is remembered, and
 * `clickflow run` sees `shutdownSignal.aborted` once it gets going and stops cleanly (exit 0).
 * A second signal means "now": exit at once with 128 + the signal number, as a shell expects.
 *
 * This module must stay free of imports, so that it costs nothing to load before the rest.
 */
const controller = new AbortController();

/** Aborted, with the signal's name as its reason, by the first SIGINT or SIGTERM. */
export const shutdownSignal: AbortSignal = controller.signal;

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
/** pino's level numbers, for `CLICKFLOW_LOG_LEVEL`. */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
let installed = false;
/** The lowest level logged when `CLICKFLOW_LOG_LEVEL` does not say: `quietShutdownLog` raises it. */
let defaultLevel = LEVELS.info!;

/** `-q`: the stop's own lines keep to warnings too, unless `CLICKFLOW_LOG_LEVEL` says otherwise. */
export function quietShutdownLog(): void {
  defaultLevel = LEVELS.warn!;
}

/** Installs the SIGINT/SIGTERM handlers once; later calls do nothing. */
export function installShutdownHandlers(): void {
  if (installed) return;
  installed = true;
  for (const name of Object.keys(SIGNAL_NUMBERS) as (keyof typeof SIGNAL_NUMBERS)[]) {
    process.on(name, () => {
      if (controller.signal.aborted) {
        process.stderr.write(`clickflow: second ${name}, exiting without flushing; what was not committed is read again on the next run\n`);
        process.exit(128 + SIGNAL_NUMBERS[name]);
      }
      controller.abort(name);
      // Stopping may take seconds (flushing, committing, leaving the consumer group): say
      // that the signal was heard, and what a second one does.
      log(30, `${name} received, stopping; send it again to exit at once`);
    });
  }
  log(20, 'shutdown handlers installed');
}

/** One log line as the pino logger writes them; pino itself is one of the heavy modules loaded later. */
function log(level: number, msg: string): void {
  const configured = process.env.CLICKFLOW_LOG_LEVEL;
  if (level < (configured === undefined ? defaultLevel : (LEVELS[configured] ?? LEVELS.info!))) return;
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), pid: process.pid, name: 'clickflow', msg })}\n`);
}
