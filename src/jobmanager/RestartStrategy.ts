import { ConfigError } from '../errors/ConfigError.js';
import { MAX_TIMER_MS } from '../time/maxTimerMs.js';
import { formatDuration, parseDuration } from '../time/parseDuration.js';

/**
 * What a job manager does when a job fails retriably, as Flink's restart strategies:
 * `none`, `fixed-delay:<attempts>:<delay>` or `exponential:<initial>:<max>:<attempts>`.
 * Each restart resumes from the committed positions, so results stay exact.
 */
export type RestartStrategy =
  | { readonly kind: 'none' }
  | { readonly kind: 'fixed-delay'; readonly attempts: number; readonly delayMs: number }
  | { readonly kind: 'exponential'; readonly initialMs: number; readonly maxMs: number; readonly attempts: number };

const USAGE = 'write none, fixed-delay:<attempts>:<delay> (e.g. fixed-delay:3:10s) or exponential:<initial>:<max>:<attempts> (e.g. exponential:1s:1m:10)';

/** A delay the manager's timer can wait: a longer one would restart the job at once. */
function delayOf(text: string): number {
  const ms = parseDuration(text, '--restart');
  if (ms > MAX_TIMER_MS) throw new ConfigError('--restart', `a delay of ${text} is longer than a timer can wait; give at most 24d; ${USAGE}`);
  return ms;
}

function attemptsOf(text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isSafeInteger(n) || n < 1) throw new ConfigError('--restart', `"${text}" is not a number of attempts (1 or more); ${USAGE}`);
  return n;
}

/** Parses `--restart`. */
export function parseRestartStrategy(text: string): RestartStrategy {
  const [kind, ...parts] = text.split(':');
  if (kind === 'none' && parts.length === 0) return { kind: 'none' };
  if (kind === 'fixed-delay' && parts.length === 2) {
    return { kind: 'fixed-delay', attempts: attemptsOf(parts[0]), delayMs: delayOf(parts[1]!) };
  }
  if (kind === 'exponential' && parts.length === 3) {
    const initialMs = delayOf(parts[0]!);
    const maxMs = delayOf(parts[1]!);
    if (initialMs <= 0 || maxMs < initialMs) throw new ConfigError('--restart', `need 0 < initial <= max, got ${parts[0]} and ${parts[1]}; ${USAGE}`);
    return { kind: 'exponential', initialMs, maxMs, attempts: attemptsOf(parts[2]) };
  }
  throw new ConfigError('--restart', `"${text}" is not a restart strategy; ${USAGE}`);
}

/** The delay before restart number `attempt` (1-based), or `undefined` when the strategy allows no more. */
export function restartDelayMs(strategy: RestartStrategy, attempt: number): number | undefined {
  switch (strategy.kind) {
    case 'none':
      return undefined;
    case 'fixed-delay':
      return attempt <= strategy.attempts ? strategy.delayMs : undefined;
    case 'exponential':
      return attempt <= strategy.attempts ? Math.min(strategy.maxMs, strategy.initialMs * 2 ** (attempt - 1)) : undefined;
  }
}

/** Back to the text `parseRestartStrategy` reads. */
export function formatRestartStrategy(strategy: RestartStrategy): string {
  switch (strategy.kind) {
    case 'none':
      return 'none';
    case 'fixed-delay':
      return `fixed-delay:${strategy.attempts}:${formatDuration(strategy.delayMs)}`;
    case 'exponential':
      return `exponential:${formatDuration(strategy.initialMs)}:${formatDuration(strategy.maxMs)}:${strategy.attempts}`;
  }
}
