import type { PointData } from './PointData.js';
import { PointError } from './PointError.js';

/** A field value with the InfluxDB type it is written as. */
export type FieldValue =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean };

/**
 * Names already found writable, by role: a job uses the same few measurement, tag and field
 * names for every point, so each is checked once, not per point. Bounded, so that a job that
 * makes names from its data only loses the shortcut.
 */
const checkedNames = { measurement: new Set<string>(), tag: new Set<string>(), field: new Set<string>() };
/** Columns every Flux row has: a tag of the same name would be hidden by them (or hide them) in every query, `diff`'s too. */
const FLUX_COLUMNS = new Set(['_start', '_stop', '_time', '_value', '_measurement', '_field']);
const MAX_CHECKED_NAMES = 1_000;

function remember(names: Set<string>, name: string): void {
  if (names.size < MAX_CHECKED_NAMES) names.add(name);
}

/** A short list is copied at its exact size when it grows; from this length on it is pushed to. */
const EXACT_SIZE_UP_TO = 8;

/**
 * An array to write `more` parts into after those of `parts`, from index `parts.length`. V8 grows
 * a pushed array by half its length plus 16 slots, so a point's one or two tags and its field or
 * two reserved about 300 bytes it never used, and a job makes a point for every window and URL:
 * a short list is copied at its exact size instead (not with `concat`, which would spread a value
 * that is an array); a long one is written past its end, which grows it as a push would.
 */
function withRoom<P>(parts: P[], more: number): P[] {
  if (parts.length >= EXACT_SIZE_UP_TO) return parts;
  const copy = new Array<P>(parts.length + more);
  for (let i = 0; i < parts.length; i++) copy[i] = parts[i]!;
  return copy;
}

type FieldPart = string | number | boolean;

/**
 * One typed data point: a measurement, tags and fields in the order they were added, and a
 * time in epoch milliseconds. Jobs build points; sinks serialise them (line protocol for
 * InfluxDB and files, JSON for a live view), so no job writes a wire format by hand.
 *
 * Values are checked as they are added, so a point that exists can always be written:
 * a NaN, an infinite float, a fractional integer, a repeated tag, a name or tag value ending
 * in a backslash, a tag named as a column Flux gives every row (`_start`, `_field`, …) or a tag
 * or field named `time` (reserved by InfluxDB), a line break in a string field, a measurement starting with `#` or a
 * measurement or field name InfluxDB would read differently ({@link refuseMisreadName}) fails in
 * the job that made it, with the field's name, instead of as a refused or lost write later.
 *
 * @example new Point('slowest', window.startMs).tag('url', url).floatField('latency_ms', 812.5)
 */
export class Point {
  /** Tag names and values, alternating, in the order they were added. */
  private tagParts: string[] = [];
  /** Fields as `name, type, value` triples, in the order they were added. */
  private fieldParts: FieldPart[] = [];

  constructor(
    readonly measurement: string,
    /** Epoch milliseconds; a window's points are stamped with its start. */
    public timeMs: number,
  ) {
    if (!checkedNames.measurement.has(measurement)) {
      if (measurement.length === 0) throw new PointError('a point needs a measurement name');
      // A line that starts with # is a comment: InfluxDB would drop the point without a word.
      if (measurement.startsWith('#')) throw new PointError(`measurement "${measurement}" starts with #, which makes its line a comment`);
      refuseTrailingBackslash(measurement, 'measurement', measurement);
      refuseMisreadName(measurement, 'measurement', measurement);
      remember(checkedNames.measurement, measurement);
    }
    if (!Number.isSafeInteger(timeMs)) throw new PointError(`${measurement}: time must be whole epoch milliseconds, got ${timeMs}`);
  }

  tag(name: string, value: string): this {
    if (typeof value !== 'string') throw new PointError(`${this.measurement}: tag "${name}" must be a string, got ${describeValue(value)}; convert it, e.g. String(value)`);
    const knownName = checkedNames.tag.has(name);
    if ((!knownName && name.length === 0) || value.length === 0) {
      throw new PointError(`${this.measurement}: tag "${name}" must have a name and a non-empty value (InfluxDB drops empty tags)`);
    }
    if (!knownName) {
      if (typeof name !== 'string') throw new PointError(`${this.measurement}: a tag name must be a string, got ${describeValue(name)}`);
      refuseTrailingBackslash(this.measurement, `tag name "${name}"`, name);
      if (FLUX_COLUMNS.has(name)) {
        throw new PointError(`${this.measurement}: tag name "${name}" is a column Flux gives every row, so no query could tell the tag from it; name it otherwise (e.g. "${otherName(name)}")`);
      }
      if (name === 'time') throw new PointError(`${this.measurement}: tag name "time" is reserved: InfluxDB refuses the write; name it otherwise (e.g. "${otherName(name)}")`);
      remember(checkedNames.tag, name);
    }
    refuseTrailingBackslash(this.measurement, `tag "${name}"`, value);
    const tags = this.tagParts;
    for (let i = 0; i < tags.length; i += 2) {
      if (tags[i] === name) throw new PointError(`${this.measurement}: tag "${name}" is set twice; InfluxDB refuses duplicate tags`);
    }
    const at = tags.length;
    const grown = withRoom(tags, 2);
    grown[at] = name;
    grown[at + 1] = value;
    this.tagParts = grown;
    return this;
  }

  /** The tags as `[name, value]` pairs, in the order they were added. */
  get tags(): readonly (readonly [string, string])[] {
    const pairs: [string, string][] = [];
    for (let i = 0; i < this.tagParts.length; i += 2) pairs.push([this.tagParts[i]!, this.tagParts[i + 1]!]);
    return pairs;
  }

  /** The fields as `[name, typed value]` pairs, in the order they were added. */
  get fields(): readonly (readonly [string, FieldValue])[] {
    const pairs: [string, FieldValue][] = [];
    for (let i = 0; i < this.fieldCount; i++) pairs.push([this.fieldName(i), { type: this.fieldType(i), value: this.fieldValue(i) } as FieldValue]);
    return pairs;
  }

  get tagCount(): number {
    return this.tagParts.length >> 1;
  }

  tagName(index: number): string {
    return this.tagParts[2 * index]!;
  }

  tagValue(index: number): string {
    return this.tagParts[2 * index + 1]!;
  }

  get fieldCount(): number {
    return this.fieldParts.length / 3;
  }

  fieldName(index: number): string {
    return this.fieldParts[3 * index] as string;
  }

  fieldType(index: number): FieldValue['type'] {
    return this.fieldParts[3 * index + 1] as FieldValue['type'];
  }

  fieldValue(index: number): FieldValue['value'] {
    return this.fieldParts[3 * index + 2]!;
  }

  /** A 64-bit integer field (`count=3i`); the value must be a safe integer. */
  intField(name: string, value: number): this {
    if (!Number.isSafeInteger(value)) throw new PointError(`${this.measurement}: int field "${name}" must be a safe integer, got ${value}`);
    return this.field(name, 'int', value);
  }

  /** A float field; InfluxDB stores only finite floats. */
  floatField(name: string, value: number): this {
    if (!Number.isFinite(value)) throw new PointError(`${this.measurement}: float field "${name}" must be finite, got ${value}`);
    return this.field(name, 'float', value);
  }

  /** A string field; line protocol cannot carry a line break in it. */
  stringField(name: string, value: string): this {
    if (typeof value !== 'string') throw new PointError(`${this.measurement}: string field "${name}" must be a string, got ${describeValue(value)}`);
    if (value.includes('\n')) throw new PointError(`${this.measurement}: string field "${name}" holds a line break, which line protocol cannot carry`);
    return this.field(name, 'string', value);
  }

  booleanField(name: string, value: boolean): this {
    if (typeof value !== 'boolean') throw new PointError(`${this.measurement}: boolean field "${name}" must be true or false, got ${describeValue(value)}`);
    return this.field(name, 'boolean', value);
  }

  /** Overrides the time the point was created with. */
  at(timeMs: number): this {
    if (!Number.isSafeInteger(timeMs)) throw new PointError(`${this.measurement}: time must be whole epoch milliseconds, got ${timeMs}`);
    this.timeMs = timeMs;
    return this;
  }

  /** A plain object, e.g. for a live view: `{ measurement, tags, fields, time }` with `time` in ms. */
  toJSON(): PointData {
    return {
      measurement: this.measurement,
      tags: Object.fromEntries(this.tags),
      fields: Object.fromEntries(this.fields.map(([name, field]) => [name, field.value])),
      timeMs: this.timeMs,
    };
  }

  private field(name: string, type: FieldValue['type'], value: FieldValue['value']): this {
    if (!checkedNames.field.has(name)) {
      if (typeof name !== 'string') throw new PointError(`${this.measurement}: a field name must be a string, got ${describeValue(name)}`);
      if (name.length === 0) throw new PointError(`${this.measurement}: a field needs a name`);
      refuseTrailingBackslash(this.measurement, `field name "${name}"`, name);
      refuseMisreadName(this.measurement, `field name "${name}"`, name);
      if (name === 'time') throw new PointError(`${this.measurement}: field name "time" is reserved: InfluxDB drops such a field without a word; name it otherwise (e.g. "${otherName(name)}")`);
      remember(checkedNames.field, name);
    }
    const fields = this.fieldParts;
    for (let i = 0; i < fields.length; i += 3) {
      if (fields[i] === name) throw new PointError(`${this.measurement}: field "${name}" is set twice`);
    }
    const at = fields.length;
    const grown = withRoom(fields, 3);
    grown[at] = name;
    grown[at + 1] = type;
    grown[at + 2] = value;
    this.fieldParts = grown;
    return this;
  }
}

function describeValue(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}

/** A name to suggest instead of a reserved one: without the underscore, unless that is reserved too. */
function otherName(name: string): string {
  const bare = name.replace(/^_/, '');
  return bare === 'time' ? 'event_time' : bare;
}

const BACKSLASH = 0x5c;

/** Line protocol escapes with a backslash, so one at the end escapes the separator after it. */
function refuseTrailingBackslash(measurement: string, what: string, text: string): void {
  // Not endsWith('\\'): a builtin call that was a quarter of building a point.
  if (text.charCodeAt(text.length - 1) === BACKSLASH) throw new PointError(`${measurement}: ${what} ends with a backslash, which line protocol cannot store`);
}

/**
 * InfluxDB reads measurements and field keys by rules of their own (models/points.go): a
 * leading NUL is skipped as whitespace (and `\0#m` turns the line into a comment), and in the
 * fields section a backslash takes the next byte with it, so a backslash written before an
 * escaped `,`, `=` or space ends the key, and `\"` or `\=` in a measurement lose their backslash.
 * Tag values follow other rules and need neither refusal: a URL tag is always written exactly.
 */
function refuseMisreadName(measurement: string, what: string, name: string): void {
  if (name.startsWith('\0')) throw new PointError(`${measurement}: ${what} starts with a NUL, which InfluxDB skips as whitespace`);
  if (/\\[," =]/.test(name)) throw new PointError(`${measurement}: ${what} has a backslash before , = " or a space, which InfluxDB would read as an escape`);
}
