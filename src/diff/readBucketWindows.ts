import { escape, InfluxDB } from '@influxdata/influxdb-client';
import type { InfluxTarget } from '../connectors/influx/InfluxTarget.js';
import type { WindowPoints } from './WindowPoints.js';

/** What {@link readBucketWindows} reads. */
export interface BucketRange {
  readonly fromMs: number;
  readonly toMs: number;
  /** Only these measurements; empty: all but `job_health`, whose watermark lag is the wall clock's. */
  readonly measurements: readonly string[];
}

/** Columns of a Flux row that are not tags. */
const NOT_TAGS = new Set(['result', 'table', '_start', '_stop', '_time', '_value', '_field', '_measurement']);

/**
 * Every point of `target`'s bucket stamped in `[fromMs, toMs)`, as {@link WindowPoints}, each
 * field's value written as line protocol writes it, with its type. The
 * `final` field of early firings says how a point was written, not what it holds: left out.
 */
export async function readBucketWindows(target: InfluxTarget, range: BucketRange): Promise<WindowPoints> {
  const measurements =
    range.measurements.length === 0
      ? 'r._measurement != "job_health"'
      : range.measurements.map((m) => `r._measurement == ${fluxString(m)}`).join(' or ');
  const flux = [
    `from(bucket: ${fluxString(target.bucket)})`,
    `|> range(start: ${new Date(range.fromMs).toISOString()}, stop: ${new Date(range.toMs).toISOString()})`,
    `|> filter(fn: (r) => (${measurements}) and r._field != "final")`,
  ].join(' ');
  const rows = await new InfluxDB({ url: target.url, token: target.token })
    .getQueryApi(target.org)
    .collectRows(flux, (values, table) => {
      const column = table.column('_value');
      return { row: table.toObject(values), value: fieldValueText(values[column.index]!, column.dataType) };
    });
  const points: WindowPoints = new Map();
  for (const { row, value } of rows) {
    // Escaped as line protocol escapes them, so that no two series read as one.
    const tags = Object.keys(row)
      .filter((column) => !NOT_TAGS.has(column) && row[column] !== undefined && row[column] !== '')
      .sort()
      .map((tag) => `,${escape.tag(tag)}=${escape.tag(String(row[tag]))}`)
      .join('');
    const key = `${escape.measurement(String(row._measurement))}${tags} ${String(row._time)}`;
    let fields = points.get(key) as Map<string, string> | undefined;
    if (fields === undefined) points.set(key, (fields = new Map()));
    fields.set(String(row._field), value);
  }
  return points;
}

/**
 * A field's value as line protocol writes it (`5i`, `5u`, `0.5`, `true`, `"text"`), from Flux's
 * annotated CSV: the client reads integers and floats alike as numbers, and rounds integers
 * past 2^53, so a field that changed from `5i` to `5` (or by 1 past 2^53) would pass for equal.
 */
function fieldValueText(raw: string, dataType: string): string {
  switch (dataType) {
    case 'long':
      return `${raw}i`;
    case 'unsignedLong':
      return `${raw}u`;
    case 'double': {
      // One spelling per value, whatever digits Flux wrote; InfluxDB keeps -0 apart from 0, and so does this.
      const value = Number(raw);
      return Object.is(value, -0) ? '-0' : String(value);
    }
    case 'string':
      return JSON.stringify(raw);
    default:
      return raw;
  }
}

/** A Flux string literal: `${` would otherwise start an interpolation. */
function fluxString(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('${', '\\${')}"`;
}

