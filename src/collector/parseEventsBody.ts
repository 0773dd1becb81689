import type { ValidationFailure } from '../events/validateClickEvent.js';
import { RefusedRequestError } from './RefusedRequestError.js';

/** The events of a request body, before validation. */
export interface ParsedBody {
  /** One value per event, in the order sent; `undefined` where an NDJSON line was not JSON. */
  readonly values: readonly unknown[];
  /** Why the NDJSON lines that were not JSON were refused, by event index. */
  readonly lineFailures: ReadonlyMap<number, ValidationFailure>;
}

/**
 * Reads a request body that holds a JSON array of events, one JSON event (it may span lines),
 * or NDJSON (one event per line; blank lines are skipped and take no index). An array that is
 * not JSON, or a body without any event, is refused whole (400); an NDJSON line that is not JSON
 * refuses that event alone, as `not_json`, so that one broken line does not cost the others.
 * More than `maxEvents` events is a 413, checked before any line is parsed.
 */
export function parseEventsBody(body: string, maxEvents: number): ParsedBody {
  const start = firstNonSpace(body);
  if (start === -1) throw new RefusedRequestError(400, 'the body is empty; send a JSON array of events or one JSON event per line (NDJSON)');
  if (body.charCodeAt(start) === 0x5b /* [ */) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(start === 0 ? body : body.slice(start));
    } catch {
      throw new RefusedRequestError(400, 'the body starts like a JSON array but is not valid JSON; send a JSON array of events, or one JSON event per line (NDJSON)');
    }
    const values = parsed as unknown[];
    if (values.length === 0) throw new RefusedRequestError(400, 'the array holds no event; send at least one');
    if (values.length > maxEvents) throw tooMany(maxEvents);
    return { values, lineFailures: NO_FAILURES };
  }
  if (body.charCodeAt(start) === 0x7b /* { */) {
    // One event, perhaps pretty-printed over several lines: read whole, it is not NDJSON.
    const single = parsedOrUndefined(start === 0 ? body : body.slice(start));
    if (single !== undefined) return { values: [single], lineFailures: NO_FAILURES };
  }
  const lines = body.split('\n');
  const values: unknown[] = [];
  let lineFailures: Map<number, ValidationFailure> | undefined;
  for (const line of lines) {
    if (firstNonSpace(line) === -1) continue;
    if (values.length === maxEvents) throw tooMany(maxEvents);
    try {
      values.push(JSON.parse(line.charCodeAt(0) === 0xfeff ? line.slice(1) : line));
    } catch {
      lineFailures ??= new Map();
      lineFailures.set(values.length, { reason: 'not_json', detail: 'this line is not JSON' });
      values.push(undefined);
    }
  }
  return { values, lineFailures: lineFailures ?? NO_FAILURES };
}

const NO_FAILURES: ReadonlyMap<number, ValidationFailure> = new Map();

/** The JSON value of `text`, or undefined when it is not one (NDJSON of several events is not). */
function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function tooMany(maxEvents: number): RefusedRequestError {
  return new RefusedRequestError(413, `more than ${maxEvents} events in one request; send them in several requests of at most ${maxEvents}`);
}

/** Index of the first character that is not JSON whitespace, or -1. */
function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff) return i;
  }
  return -1;
}
