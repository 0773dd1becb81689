import type { ClickEvent } from '../../events/ClickEvent.js';
import type { ValidationFailure } from '../../events/validateClickEvent.js';

/**
 * InfluxDB limits a series key to 64 KiB; a URL of this many UTF-16 units stays below it
 * even when every character takes 3 bytes in UTF-8.
 */
const MAX_URL_LENGTH = 16_000;
const BACKSLASH = 92;

/**
 * What the error-rates job needs to write a click event's URL as an InfluxDB tag value: line
 * protocol has no escape for a backslash at the end of a tag value (InfluxDB refuses the
 * whole write with 400), so such an event is dead-lettered as `bad_url` instead of stopping
 * the job. Runs after the schema check, on a valid event; both checks are O(1).
 */
export function urlFitsInfluxTag(value: unknown): ValidationFailure | null {
  const { url } = value as ClickEvent;
  if (url.charCodeAt(url.length - 1) === BACKSLASH) {
    return { reason: 'bad_url', detail: 'url ends with a backslash, which InfluxDB line protocol cannot store in a tag' };
  }
  if (url.length > MAX_URL_LENGTH) {
    return { reason: 'bad_url', detail: `url is ${url.length} characters long; at most ${MAX_URL_LENGTH} fit in an InfluxDB series key` };
  }
  return null;
}
