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

/**
 * Escaped names, by role: a job writes the same few measurement, tag and field names in every
 * point, so each is escaped once. Bounded like Point's checked names; tag values (URLs) are
 * escaped per point.
 */
const MAX_ESCAPED_NAMES = 1_000;
const escapedNames = {
  measurement: new Map<string, string>(),
  tag: new Map<string, string>(),
  field: new Map<string, string>(),
};

function escapedName(names: Map<string, string>, name: string, escapeName: (name: string) => string): string {
  let escaped = names.get(name);
  if (escaped === undefined) {
    escaped = escapeName(name);
    if (names.size < MAX_ESCAPED_NAMES) names.set(name, escaped);
  }
  return escaped;
}

const escapeMeasurement = (name: string) => escape.measurement(name);
const escapeTagName = (name: string) => keepSpacesEscaped(escape.tag(name));
const escapeFieldName = (name: string) => escape.tag(name);

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

/**
 * The point as one line of InfluxDB line protocol, timestamped in nanoseconds. This is the
 * only place clickflow writes line protocol: names and tag values are escaped as the official
 * client's `escape` does ({@link escapeLineProtocol}), so a crafted URL can never add a tag, a
 * field or a point.
 *
 * Tags and fields keep the order they were added in, so the output is byte-for-byte stable.
 */
export function toLineProtocol(point: Point): string {
  let line = escapedName(escapedNames.measurement, point.measurement, escapeMeasurement);
  const tags = point.tagCount;
  for (let i = 0; i < tags; i++) {
    line += `,${escapedName(escapedNames.tag, point.tagName(i), escapeTagName)}=${keepSpacesEscaped(escape.tag(point.tagValue(i)))}`;
  }
  const fields = point.fieldCount;
  if (fields === 0) throw new PointError(`${point.measurement}: a point needs at least one field`);
  for (let i = 0; i < fields; i++) {
    line += `${i === 0 ? ' ' : ','}${escapedName(escapedNames.field, point.fieldName(i), escapeFieldName)}=${fieldText(point.fieldType(i), point.fieldValue(i))}`;
  }
  // Window times are whole milliseconds: appending digits keeps nanoseconds exact where
  // multiplying by 1e6 would leave the 2^53 range of doubles (it also holds for negative times).
  return `${line} ${point.timeMs}000000`;
}
