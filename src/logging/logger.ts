import { pino, destination, type Logger } from 'pino';

/**
 * clickflow's structured log: JSON lines on stderr (stdout carries data, e.g. line protocol),
 * written synchronously so that nothing is lost when a job exits. `CLICKFLOW_LOG_LEVEL`
 * sets the level (default `info`).
 */
export const logger: Logger = pino(
  { name: 'clickflow', level: process.env.CLICKFLOW_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  destination({ dest: 2, sync: true }),
);
