import { ConfigError } from '../errors/ConfigError.js';
import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS } from '../time/eventTimeRange.js';
import { parseIsoTime } from '../time/parseIsoTime.js';

/**
 * Parses `--start-time` into epoch milliseconds with the same strict ISO-8601 reading the
 * engine gives `event_timestamp`: `2025-01-01T00:00:00Z`, an offset (`+01:00`) honoured, a
 * time without an offset read as UTC and a date alone as midnight UTC, so that a seeded run
 * gives the same bytes in every time zone. `Date.parse` would also take `1` or roll
 * `2025-02-30` over into March.
 *
 * @example parseStartTime('2025-01-01T01:00:00+01:00') // Date.UTC(2025, 0, 1)
 * @throws ConfigError with an example of an accepted time
 */
export function parseStartTime(text: string): number {
  const ms = parseIsoTime(text);
  if (Number.isNaN(ms)) {
    throw new ConfigError(
      '--start-time',
      `"${text}" is not an ISO-8601 date-time (or not a real date); write e.g. 2025-01-01T00:00:00Z or ` +
        '2025-01-01T01:00:00+01:00; a time without an offset is UTC, a date alone is midnight UTC',
    );
  }
  if (!(ms >= MIN_EVENT_TIME_MS && ms < MAX_EVENT_TIME_MS)) {
    // Every job would refuse such events as bad_timestamp: nothing generated would be counted.
    throw new ConfigError(
      '--start-time',
      `"${text}" is outside the event times jobs accept, ${new Date(MIN_EVENT_TIME_MS).toISOString()} up to before ${new Date(MAX_EVENT_TIME_MS).toISOString()}; give a time in that range`,
    );
  }
  return ms;
}
