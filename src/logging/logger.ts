import { createRequire } from 'node:module';
import type { Logger as PinoLogger } from 'pino';

/** The levels clickflow logs at. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** pino's numbers for them, and `silent`. */
const LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** As pino's: fields and a message, or a message alone. */
type Log = (fieldsOrMessage: object | string, message?: string) => void;

/** clickflow's log: pino's methods and level, with pino itself loaded on the first line written. */
export interface Logger {
  level: string;
  readonly debug: Log;
  readonly info: Log;
  readonly warn: Log;
  readonly error: Log;
}

let pino: PinoLogger | undefined;
const asked = process.env.CLICKFLOW_LOG_LEVEL;
/** An unknown level would stop pino from starting, and with it the command: info, and a warning that says so. */
let level = asked === undefined || LEVELS[asked] !== undefined ? (asked ?? 'info') : 'info';

/**
 * pino, made on the first line that passes the level: it and its dependencies are a tenth of the
 * modules a start loads, and a quiet run (`-q`, which logs warnings only) may write no line.
 * pino is CommonJS, so it is required synchronously, where the line is written.
 */
function instance(): PinoLogger {
  if (pino === undefined) {
    const { pino: create, destination } = createRequire(import.meta.url)('pino') as typeof import('pino');
    pino = create({ name: 'clickflow', level, base: { pid: process.pid } }, destination({ dest: 2, sync: true }));
  }
  return pino;
}

const writer =
  (at: LogLevel): Log =>
  (fieldsOrMessage, message) => {
    if (LEVELS[at]! < LEVELS[level]!) return;
    if (typeof fieldsOrMessage === 'string') instance()[at](fieldsOrMessage);
    else instance()[at](fieldsOrMessage, message);
  };

/**
 * clickflow's structured log: JSON lines on stderr (stdout carries data, e.g. line protocol),
 * written synchronously so that nothing is lost when a job exits. `CLICKFLOW_LOG_LEVEL`
 * sets the level (default `info`).
 */
export const logger: Logger = {
  get level() {
    return level;
  },
  set level(value: string) {
    if (LEVELS[value] === undefined) throw new RangeError(`"${value}" is not a log level; use one of ${Object.keys(LEVELS).join(', ')}`);
    level = value;
    if (pino !== undefined) pino.level = value;
  },
  debug: writer('debug'),
  info: writer('info'),
  warn: writer('warn'),
  error: writer('error'),
};

if (asked !== undefined && level !== asked) {
  logger.warn({ CLICKFLOW_LOG_LEVEL: asked }, `CLICKFLOW_LOG_LEVEL "${asked}" is not a log level (${Object.keys(LEVELS).join(', ')}); logging at info`);
}
