import { InvalidArgumentError } from 'commander';
import { durationArgument } from './durationArgument.js';
import { MAX_TIMER_MS } from '../time/maxTimerMs.js';
import { formatDuration } from '../time/parseDuration.js';

/**
 * Commander parser for a duration that a timer waits out (`demo --duration`, `produce
 * --duration`, `run --commit-interval`), in milliseconds. Beyond about 24.8 days Node fires the
 * timer at once, so `--duration 30d` would stop at start and `--commit-interval 30d` commit
 * every millisecond: such a value is refused instead.
 */
export function timerDurationArgument(text: string): number {
  const ms = durationArgument(text);
  if (ms > MAX_TIMER_MS) {
    throw new InvalidArgumentError(`"${text}" is longer than a timer can wait; give at most ${formatDuration(24 * 86_400_000)} (Node fires longer timers at once).`);
  }
  return ms;
}
