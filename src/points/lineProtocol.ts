import type { FieldValue, Point } from './Point.js';
import { escapeLineProtocol as escape } from './lineProtocolEscape.js';
import { PointError } from './PointError.js';

/**
 * InfluxDB splits a request into lines before it parses a line (models/points.go, scanLine),
 * and there a backslash takes the next byte with it: after a tag key or value's literal
 * backslash, the backslash that escapes a space is taken as a pair, and the space looks like
 * the one that starts the fields. A `"` later in the tag value then opens a string that swallows
 * the line break, and the next point with it. The escaped space is safe behind an odd run of
 * backslashes, so a literal backslash before a space gets one more: `a\ b` is stored as
 * `a\\ b`, the documented stand-in beside those for a newline, tab and carriage return.
 */
const EVEN_BACKSLASHES_BEFORE_SPACE = /(?<!\\)((?:\\\\)+) /g;
const keepSpacesEscaped = (escaped: string) => (escaped.includes('\\\\ ') ? escaped.replace(EVEN_BACKSLASHES_BEFORE_SPACE, '$1\\ ') : escaped);

/** Names escaped once per role; past this many, a job that makes names from its data only loses the shortcut (as Point's checked names). */
const MAX_ESCAPED_NAMES = 1_000;
/** Places a name is remembered at: the measurement, and tags and fields up to this index. */
const CACHED_PLACES = 16;

/**
 * The escaped names of one role (measurement, tag or field), by place (the measurement; tag or
 * field i). A job writes the same few names in every point, so each is escaped once; tag values
 * (URLs) are escaped per point. The name last escaped at the place answers first: points come in
 * runs of one shape, so it is mostly that very string, which one comparison finds, where the
 * Map's lookup was a third of the encoder's time.
 */
function nameEscaper(escapeName: (name: string) => string): (place: number, name: string) => string {
  const names = new Map<string, string>();
  // The empty name, escaped as itself, until a place has had another.
  const last = new Array<string>(CACHED_PLACES).fill('');
  const lastEscaped = new Array<string>(CACHED_PLACES).fill('');
  return (place, name) => {
    if (last[place] === name) return lastEscaped[place]!;
    let escaped = names.get(name);
    if (escaped === undefined) {
      escaped = escapeName(name);
      if (names.size < MAX_ESCAPED_NAMES) names.set(name, escaped);
    }
    if (place < CACHED_PLACES) {
      last[place] = name;
      lastEscaped[place] = escaped;
    }
    return escaped;
  };
}

function fieldText(type: FieldValue['type'], value: FieldValue['value']): string {
  switch (type) {
    case 'int':
      return `${value as number}i`;
    case 'float':
      return String(value);
    case 'string':
      return escape.quoted(value as string);
    case 'boolean':
      return value ? 'true' : 'false';
  }
}

const measurementAt = nameEscaper((name) => escape.measurement(name));
const tagNameAt = nameEscaper((name) => keepSpacesEscaped(escape.tag(name)));
const fieldNameAt = nameEscaper((name) => escape.tag(name));

/** The last time written and its text: a window's points share their time, and printing it was a fifth of the encoder's time. */
let lastTimeMs = NaN;
let lastTimeText = '';

/**
 * The point as one line of InfluxDB line protocol, timestamped in nanoseconds. This is the
 * only place clickflow writes line protocol: names and tag values are escaped as the official
 * client's `escape` does ({@link escapeLineProtocol}), so a crafted URL can never add a tag, a
 * field or a point.
 *
 * Tags and fields keep the order they were added in, so the output is byte-for-byte stable.
 */
export function toLineProtocol(point: Point): string {
  let line = measurementAt(0, point.measurement);
  const tags = point.tagCount;
  for (let i = 0; i < tags; i++) {
    const value = point.tagValue(i);
    const escaped = escape.tag(value);
    // Unchanged, it holds no space, so no backslash before one.
    line += `,${tagNameAt(i, point.tagName(i))}=${escaped === value ? value : keepSpacesEscaped(escaped)}`;
  }
  const fields = point.fieldCount;
  if (fields === 0) throw new PointError(`${point.measurement}: a point needs at least one field`);
  for (let i = 0; i < fields; i++) {
    line += `${i === 0 ? ' ' : ','}${fieldNameAt(i, point.fieldName(i))}=${fieldText(point.fieldType(i), point.fieldValue(i))}`;
  }
  // Window times are whole milliseconds: appending digits keeps nanoseconds exact where
  // multiplying by 1e6 would leave the 2^53 range of doubles (it also holds for negative times).
  const timeMs = point.timeMs;
  if (timeMs !== lastTimeMs) {
    lastTimeMs = timeMs;
    lastTimeText = ` ${timeMs}000000`;
  }
  return line + lastTimeText;
}
