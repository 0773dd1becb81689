/**
 * The event times clickflow accepts, in epoch milliseconds: from 1990-01-01T00:00:00Z
 * (inclusive) to 2100-01-01T00:00:00Z (exclusive), for epoch seconds and ISO-8601 alike.
 *
 * Why a range at all: one record with a time far ahead (epoch milliseconds sent where
 * seconds are expected read as year 57 606) would move its partition's watermark there and
 * make every later record late, and times beyond what InfluxDB (1677–2262) or `Date` can
 * hold stop the job when they are written. The bounds are wide enough for any real
 * clickstream and narrow enough that seconds, milliseconds, microseconds and nanoseconds
 * since the epoch never overlap inside them, so a unit mix-up is always caught and named.
 */
export const MIN_EVENT_TIME_MS = Date.UTC(1990, 0, 1); // 631 152 000 000

/** One past the latest accepted event time: 2100-01-01T00:00:00Z. See {@link MIN_EVENT_TIME_MS}. */
export const MAX_EVENT_TIME_MS = Date.UTC(2100, 0, 1); // 4 102 444 800 000

