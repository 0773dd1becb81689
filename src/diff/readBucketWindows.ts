import { escape, InfluxDB, type FluxTableMetaData } from '@influxdata/influxdb-client';
import type { InfluxTarget } from '../connectors/influx/InfluxTarget.js';
import type { WindowPoints } from './WindowPoints.js';

/** What {@link readBucketWindows} reads. */
export interface BucketRange {
  readonly fromMs: number;
  readonly toMs: number;
  /** Only these measurements; empty: all but `job_health`, whose watermark lag is the wall clock's. */
  readonly measurements: readonly string[];
}

/** Group-key columns of a Flux table that are not tags. */
const NOT_TAGS = new Set(['_start', '_stop', '_field', '_measurement']);

/**
 * Every point of `target`'s bucket stamped in `[fromMs, toMs)`, as {@link WindowPoints}, each
 * field's value written as line protocol writes it, with its type. The
 * `final` field of early firings says how a point was written, not what it holds: left out.
 * Rows are read as they stream in, so memory holds the points, never the query's whole answer.
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
  const points: WindowPoints = new Map();
  // Per table: the series (measurement and tags, escaped as line protocol escapes them, so that
  // no two series read as one) and where its time, field and value are.
  let meta: FluxTableMetaData | undefined;
  let table: string | undefined;
  let series = '';
  let columns = { table: 0, time: 0, field: 0, value: 0, dataType: '' };
  for await (const { values, tableMeta } of new InfluxDB({ url: target.url, token: target.token }).getQueryApi(target.org).iterateRows(flux)) {
    // Tables of one shape share a header: a new table shows in the annotation column `table`.
    if (tableMeta !== meta) {
      columns.table = tableMeta.columns.findIndex((column) => column.label === 'table' && !column.group);
      table = undefined;
    }
    if (tableMeta !== meta || values[columns.table] !== table) {
      meta = tableMeta;
      table = values[columns.table];
      // Tags are the table's group key, found by the key rather than by name: a tag may be called
      // `result` or `table`, as the annotated CSV's own first columns are.
      const tags = tableMeta.columns
        .filter((column) => column.group && !NOT_TAGS.has(column.label))
        .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
      const measurement = values[tableMeta.column('_measurement').index]!;
      series = escape.measurement(measurement);
      for (const tag of tags) {
        const text = values[tag.index] ?? '';
        if (text !== '') series += `,${escape.tag(tag.label)}=${escape.tag(text)}`;
      }
      const value = tableMeta.column('_value');
      columns = { table: columns.table, time: tableMeta.column('_time').index, field: tableMeta.column('_field').index, value: value.index, dataType: value.dataType };
    }
    const key = `${series} ${values[columns.time]!}`;
    let fields = points.get(key) as Map<string, string> | undefined;
    if (fields === undefined) points.set(key, (fields = new Map()));
    fields.set(values[columns.field]!, fieldValueText(values[columns.value]!, columns.dataType));
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

