import { ConfigError } from '../errors/ConfigError.js';
import { formatDuration } from '../time/parseDuration.js';
import { durationMs, type Duration } from './Duration.js';

/** The longest session gap: a year. */
const MAX_GAP_MS = 365 * 24 * 3_600_000;
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
    // A session is stamped near its end: beyond this its points would pass what InfluxDB can store.
    if (gapMs > MAX_GAP_MS) throw new ConfigError('session gap', `must be at most 365d, got ${formatDuration(gapMs)}`);
    return { kind: 'session', gapMs };
  },
};
