import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS } from '../time/eventTimeRange.js';
import { parseIsoTime } from '../time/parseIsoTime.js';
import type { ClickEvent } from './ClickEvent.js';
import type { InvalidReason } from './InvalidRecord.js';

/** The outcome of validating one parsed value: `null` when valid. */
export interface ValidationFailure {
  /** A built-in {@link InvalidReason}, or a job's own (a short snake_case word: it becomes a metric label). */
  readonly reason: InvalidReason | (string & {});
  readonly detail: string;
}


/**
 * Checks a parsed JSON value against the clickstream schema and, when it is valid, sets
 * `eventTimeMs` on it in place (no copy on the per-event path).
 *
 * Hand-written rather than a schema library: the per-event cost is a handful of `typeof`
 * checks, and each failure needs its own reason code for the dead-letter output.
 *
 * @returns `null` for a valid event (now a {@link ClickEvent}), else why it is invalid
 */
export function validateClickEvent(value: unknown): ValidationFailure | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reason: 'not_an_object', detail: `expected a JSON object, got ${describe(value)}` };
  }
  const record = value as Record<string, unknown>;
  // Fields are read by name, not as record[field] over a list: a key that changes on every
  // iteration makes each read a generic lookup, which cost this function several times over.
  const failure = requiredString(record.user_id, 'user_id') ?? requiredString(record.url, 'url');
  if (failure !== null) return failure;
  const status = record.http_status;
  if (typeof status !== 'number') {
    // Off the hot path: producer events carry a status, checked by the branch below alone.
    const absent = statusAbsence(status, record.event_type);
    if (absent !== null) return absent;
  } else if (!Number.isInteger(status) || status < 100 || status > 599) {
    return {
      reason: 'status_out_of_range',
      detail: `http_status is ${status}, expected an integer from 100 to 599`,
    };
  }
  const ts = record.event_timestamp;
  if (ts === undefined || ts === null) return missing('event_timestamp');
  let eventTimeMs: number;
  if (typeof ts === 'number') {
    eventTimeMs = Math.round(ts * 1000);
    // One check covers NaN, ±Infinity and magnitudes beyond Date's and InfluxDB's too.
    if (!(eventTimeMs >= MIN_EVENT_TIME_MS && eventTimeMs < MAX_EVENT_TIME_MS)) {
      return { reason: 'bad_timestamp', detail: epochSecondsOutOfRange(ts) };
    }
  } else if (typeof ts === 'string') {
    eventTimeMs = parseIsoTime(ts);
    if (Number.isNaN(eventTimeMs)) {
      return {
        reason: 'bad_timestamp',
        detail: `event_timestamp "${truncate(ts)}" is neither epoch seconds nor a valid ISO-8601 date-time`,
      };
    }
    if (!(eventTimeMs >= MIN_EVENT_TIME_MS && eventTimeMs < MAX_EVENT_TIME_MS)) {
      return { reason: 'bad_timestamp', detail: `event_timestamp "${truncate(ts)}" is ${RANGE_TEXT}` };
    }
  } else {
    return wrongType('event_timestamp', 'epoch seconds or an ISO-8601 string', ts);
  }
  const optional =
    optionalString(record.session_id, 'session_id') ??
    optionalString(record.method, 'method') ??
    optionalString(record.referrer, 'referrer') ??
    optionalString(record.user_agent, 'user_agent') ??
    optionalString(record.event_id, 'event_id') ??
    optionalString(record.event_type, 'event_type') ??
    optionalString(record.action, 'action');
  if (optional !== null) return optional;
  const latency = record.latency_ms;
  // 1e400 parses as Infinity: jobs that write it as a float field would fail on it, on every restart.
  if (latency !== undefined && latency !== null && !(typeof latency === 'number' && latency >= 0 && latency !== Infinity)) {
    return wrongType('latency_ms', 'a finite number of milliseconds, 0 or more', latency);
  }
  (record as unknown as ClickEvent).eventTimeMs = eventTimeMs;
  return null;
}

/**
 * Why an event whose `http_status` is not a number is refused, or `null` when it may go
 * without one. An event without `event_type` is an HTTP request, as every event before the
 * browser tracker was, so it needs its status (such data validates as it always did); one
 * with an `event_type` (a click, or a page view whose status the browser did not give) may
 * leave it out.
 */
function statusAbsence(status: unknown, eventType: unknown): ValidationFailure | null {
  if (status !== undefined && status !== null) return wrongType('http_status', 'an integer', status);
  if (eventType !== undefined && eventType !== null && typeof eventType !== 'string') return wrongType('event_type', 'a string', eventType);
  return typeof eventType === 'string' ? null : missing('http_status');
}

const RANGE_TEXT =
  `outside the accepted range, ${new Date(MIN_EVENT_TIME_MS).toISOString()} (epoch seconds ${MIN_EVENT_TIME_MS / 1000}) ` +
  `up to before ${new Date(MAX_EVENT_TIME_MS).toISOString()} (${MAX_EVENT_TIME_MS / 1000})`;

/** Units a sender may have used by mistake, tried in turn to name the mix-up. */
const OTHER_UNITS = [
  ['milliseconds', 1e3],
  ['microseconds', 1e6],
  ['nanoseconds', 1e9],
] as const;

/** Why epoch seconds `ts` were refused; names the unit when the value fits another one. */
function epochSecondsOutOfRange(ts: number): string {
  if (!Number.isFinite(ts)) return `event_timestamp ${ts} is not a finite number of epoch seconds`;
  for (const [unit, perSecond] of OTHER_UNITS) {
    const ms = Math.round((ts / perSecond) * 1000);
    if (ms >= MIN_EVENT_TIME_MS && ms < MAX_EVENT_TIME_MS) {
      return `event_timestamp ${ts} looks like ${unit} (${new Date(ms).toISOString()}); event_timestamp is epoch seconds`;
    }
  }
  return `event_timestamp ${ts} is ${RANGE_TEXT}`;
}

function requiredString(v: unknown, field: string): ValidationFailure | null {
  if (v === undefined || v === null) return missing(field);
  if (typeof v !== 'string') return wrongType(field, 'a string', v);
  if (v.length === 0) return { reason: 'missing_field', detail: `${field} is empty` };
  return null;
}

function optionalString(v: unknown, field: string): ValidationFailure | null {
  return v !== undefined && v !== null && typeof v !== 'string' ? wrongType(field, 'a string', v) : null;
}

function missing(field: string): ValidationFailure {
  return { reason: 'missing_field', detail: `${field} is missing` };
}

function wrongType(field: string, expected: string, got: unknown): ValidationFailure {
  return { reason: 'wrong_type', detail: `${field} must be ${expected}, got ${describe(got)}` };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string "${truncate(value)}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
