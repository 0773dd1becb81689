/**
 * A small line-protocol parser for tests, written from InfluxDB's line-protocol reference and
 * independent of `src/points` and of the client's `escape`:
 *
 * - a line is `measurement[,tag=value…] field=value[,field=value…] [timestamp]`; lines are
 *   separated by `\n`; an empty line is skipped and a line starting with `#` is a comment;
 * - a delimiter (`,`, `=`, space) is escaped when a backslash comes right before it, as InfluxDB
 *   2.x scans keys; unescaping then turns exactly the documented pairs back into characters:
 *   `\,` and `\ ` in a measurement; `\,`, `\=` and `\ ` in tag keys, tag values and field keys;
 *   every other backslash is kept as it is;
 * - string field values are in double quotes, where `\"` and `\\` are a quote and a backslash;
 * - line protocol has no newline in tag or field values: a newline always ends the line (so a
 *   newline inside a string field leaves it unterminated, an error);
 * - integers end in `i`; floats are decimal or exponent notation; booleans are `t`, `true`, … ;
 *   an unescaped `=` in a tag value, an empty key or value, and a repeated tag key are errors,
 *   as InfluxDB refuses them.
 */

export type ParsedField =
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean };

export interface ParsedPoint {
  readonly measurement: string;
  readonly tags: [string, string][];
  readonly fields: [string, ParsedField][];
  /** Nanoseconds, or undefined when the line has none. */
  readonly timestampNs: bigint | undefined;
}

export class LineProtocolSyntaxError extends Error {
  override readonly name = 'LineProtocolSyntaxError';
}

const unescapeMeasurement = (raw: string) => raw.replace(/\\([, ])/g, '$1');
const unescapeKey = (raw: string) => raw.replace(/\\([,= ])/g, '$1');

/** Every point of `text`; throws {@link LineProtocolSyntaxError} on the first malformed line. */
export function parseLineProtocol(text: string): ParsedPoint[] {
  const points: ParsedPoint[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\n') {
      i++;
    } else if (text[i] === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else {
      const [point, next] = parsePoint(text, i);
      points.push(point);
      i = next;
    }
  }
  return points;
}

/** One point from `start`; returns it and the index of the newline (or end) after it. */
function parsePoint(text: string, start: number): [ParsedPoint, number] {
  const fail = (what: string, at: number): never => {
    throw new LineProtocolSyntaxError(`${what} at ${at} in ${JSON.stringify(text.slice(start, start + 200))}`);
  };
  const escaped = (at: number) => at > start && text[at - 1] === '\\';
  const atLineEnd = (at: number) => at >= text.length || text[at] === '\n';

  // Measurement: up to an unescaped comma (tags follow) or space (fields follow).
  let i = start;
  while (!atLineEnd(i) && !((text[i] === ',' || text[i] === ' ') && !escaped(i))) i++;
  if (atLineEnd(i)) fail('missing fields', i);
  const measurement = unescapeMeasurement(text.slice(start, i));
  if (measurement.length === 0) fail('missing measurement', i);

  const tags: [string, string][] = [];
  if (text[i] === ',') {
    for (;;) {
      const keyStart = ++i;
      while (!atLineEnd(i) && !(text[i] === '=' && !escaped(i))) {
        if ((text[i] === ',' || text[i] === ' ') && !escaped(i)) fail('missing tag value', i);
        i++;
      }
      if (atLineEnd(i)) fail('missing tag value', i);
      const key = unescapeKey(text.slice(keyStart, i));
      if (key.length === 0) fail('missing tag key', i);
      const valueStart = ++i;
      while (!atLineEnd(i) && !((text[i] === ',' || text[i] === ' ') && !escaped(i))) {
        if (text[i] === '=' && !escaped(i)) fail('invalid tag format (unescaped =)', i);
        i++;
      }
      if (atLineEnd(i)) fail('missing fields', i);
      const value = unescapeKey(text.slice(valueStart, i));
      if (value.length === 0) fail('missing tag value', i);
      if (tags.some(([k]) => k === key)) fail(`duplicate tags (${key})`, i);
      tags.push([key, value]);
      if (text[i] === ' ') break;
    }
  }

  // Fields: key=value pairs separated by commas, up to a space (timestamp) or the line end.
  const fields: [string, ParsedField][] = [];
  i++;
  for (;;) {
    const keyStart = i;
    while (!atLineEnd(i) && !(text[i] === '=' && !escaped(i))) {
      if ((text[i] === ',' || text[i] === ' ') && !escaped(i)) fail('missing field value', i);
      i++;
    }
    if (atLineEnd(i)) fail('missing field value', i);
    const key = unescapeKey(text.slice(keyStart, i));
    if (key.length === 0) fail('missing field key', i);
    i++;
    let field: ParsedField;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (atLineEnd(i)) fail('unterminated string field', i);
        const c = text[i]!;
        if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          value += text[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      field = { type: 'string', value };
    } else {
      const valueStart = i;
      while (!atLineEnd(i) && text[i] !== ',' && text[i] !== ' ') i++;
      field = scalar(text.slice(valueStart, i)) ?? fail('invalid field value', valueStart);
    }
    fields.push([key, field]);
    if (text[i] === ',') {
      i++;
      continue;
    }
    break;
  }

  let timestampNs: bigint | undefined;
  if (text[i] === ' ') {
    const tsStart = ++i;
    while (!atLineEnd(i)) i++;
    const ts = text.slice(tsStart, i);
    if (!/^-?\d+$/.test(ts)) fail('bad timestamp', tsStart);
    timestampNs = BigInt(ts);
  } else if (!atLineEnd(i)) {
    fail('unexpected character after the fields', i);
  }
  return [{ measurement, tags, fields, timestampNs }, i];
}

function scalar(token: string): ParsedField | undefined {
  if (/^-?\d+i$/.test(token)) {
    const value = BigInt(token.slice(0, -1));
    return value >= -(2n ** 63n) && value < 2n ** 63n ? { type: 'int', value } : undefined;
  }
  if (/^(t|T|true|True|TRUE)$/.test(token)) return { type: 'boolean', value: true };
  if (/^(f|F|false|False|FALSE)$/.test(token)) return { type: 'boolean', value: false };
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(token)) {
    const value = Number(token);
    return Number.isFinite(value) ? { type: 'float', value } : undefined;
  }
  return undefined;
}
