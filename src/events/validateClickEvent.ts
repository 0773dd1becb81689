import { parseIsoTime } from '../time/parseIsoTime.js';
import type { ClickEvent } from './ClickEvent.js';
import type { InvalidReason } from './InvalidRecord.js';

/** The outcome of validating one parsed value: `null` when valid. */
export interface ValidationFailure {
  /** A built-in {@link InvalidReason}, or a job's own (a short snake_case word: it becomes a metric label). */
  readonly reason: InvalidReason | (string & {});
  readonly detail: string;
}

const REQUIRED_STRINGS = ['user_id', 'url'] as const;
const OPTIONAL_STRINGS = ['session_id', 'method', 'referrer', 'user_agent', 'event_id'] as const;

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
  for (const field of REQUIRED_STRINGS) {
    const v = record[field];
    if (v === undefined || v === null) return missing(field);
    if (typeof v !== 'string') return wrongType(field, 'a string', v);
    if (v.length === 0) return { reason: 'missing_field', detail: `${field} is empty` };
  }
  const status = record.http_status;
  if (status === undefined || status === null) return missing('http_status');
  if (typeof status !== 'number') return wrongType('http_status', 'an integer', status);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
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
    if (!Number.isFinite(ts) || !Number.isSafeInteger(eventTimeMs)) {
      return { reason: 'bad_timestamp', detail: `event_timestamp ${ts} is not a finite epoch time` };
    }
  } else if (typeof ts === 'string') {
    eventTimeMs = parseIsoTime(ts);
    if (Number.isNaN(eventTimeMs)) {
      return {
        reason: 'bad_timestamp',
        detail: `event_timestamp "${truncate(ts)}" is neither epoch seconds nor an ISO-8601 time`,
      };
    }
  } else {
    return wrongType('event_timestamp', 'epoch seconds or an ISO-8601 string', ts);
  }
  for (const field of OPTIONAL_STRINGS) {
    const v = record[field];
    if (v !== undefined && v !== null && typeof v !== 'string') return wrongType(field, 'a string', v);
  }
  const latency = record.latency_ms;
  if (latency !== undefined && latency !== null && typeof latency !== 'number') {
    return wrongType('latency_ms', 'a number', latency);
  }
  (record as unknown as ClickEvent).eventTimeMs = eventTimeMs;
  return null;
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
