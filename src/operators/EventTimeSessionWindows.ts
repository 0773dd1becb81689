import { ConfigError } from '../errors/ConfigError.js';
import { durationMs, type Duration } from './Duration.js';
import type { SessionWindowAssigner } from './WindowAssigner.js';

/**
 * Event-time session windows, as Flink's `EventTimeSessionWindows`: per key, a session
 * holds records closer than `gap` to one another and ends `gap` after its last record.
 * A record between two sessions merges them (the aggregate's `merge` joins their state).
 */
export const EventTimeSessionWindows = {
  /**
   * @param gap how long without records ends a session: milliseconds or a duration string
   * @example EventTimeSessionWindows.withGap('30m') // a user's visits, split by 30 idle minutes
   */
  withGap(gap: Duration): SessionWindowAssigner {
    const gapMs = durationMs(gap, 'session gap');
    if (!Number.isSafeInteger(gapMs) || gapMs <= 0) {
      throw new ConfigError('session gap', `must be a positive whole number of milliseconds, got ${gapMs}`);
    }
    return { kind: 'session', gapMs };
  },
};
