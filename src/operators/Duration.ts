import { ConfigError } from '../errors/ConfigError.js';
import { parseDuration } from '../time/parseDuration.js';

/** A length of time: milliseconds as a number, or a string with a unit (`'500ms'`, `'10s'`, `'1m'`). */
export type Duration = number | string;

/** Milliseconds of a {@link Duration}; `what` names it in the error of a malformed string. */
export function durationMs(duration: Duration, what: string): number {
  return typeof duration === 'number' ? duration : parseDuration(duration, what);
}

/** `ms` itself, once it is checked to be zero or a positive whole number of milliseconds. */
export function nonNegativeMs(ms: number, what: string): number {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new ConfigError(what, `must be zero or a positive whole number of milliseconds, got ${ms}`);
  return ms;
}
