import { ConfigError } from '../errors/ConfigError.js';
import { parseDuration } from '../time/parseDuration.js';

/**
 * An injected error spike: during `durationMs` of event time (from the start, and again every
 * `everyMs` when set), `fraction` of the events get `status`.
 */
export interface BurstSpec {
  readonly status: number;
  readonly fraction: number;
  readonly durationMs: number;
  readonly everyMs?: number;
}

/** Parses `--burst "<status>:<fraction>:<duration>[@<every>]"`, e.g. `503:0.5:30s@5m`. */
export function parseBurstSpec(text: string): BurstSpec {
  const match = /^(\d{3}):([0-9.]+):([^@]+)(?:@(.+))?$/.exec(text.trim());
  const usage = 'write <status>:<fraction>:<duration>[@<every>], e.g. 503:0.5:30s@5m';
  if (match === null) throw new ConfigError('--burst', `"${text}" is not a burst; ${usage}`);
  const status = Number(match[1]);
  const fraction = Number(match[2]);
  if (status < 100 || status > 599) throw new ConfigError('--burst', `status ${status} is not 100–599; ${usage}`);
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new ConfigError('--burst', `fraction ${match[2]} is not from 0 to 1; ${usage}`);
  }
  const durationMs = parseDuration(match[3]!, '--burst');
  // A 0 s burst never happens, and with @0s the period check below would let a period of 0
  // through, which the generator's modulo turns into "never" too: a spike silently missing.
  if (durationMs === 0) throw new ConfigError('--burst', `the burst ${match[3]} lasts no time; ${usage}`);
  const everyMs = match[4] === undefined ? undefined : parseDuration(match[4], '--burst');
  if (everyMs !== undefined && everyMs < durationMs) {
    throw new ConfigError('--burst', `the period @${match[4]} is shorter than the burst ${match[3]}; ${usage}`);
  }
  return { status, fraction, durationMs, everyMs };
}
