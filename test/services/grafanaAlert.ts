import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { interpolate } from './grafanaQuery.js';

const RULES = fileURLToPath(new URL('../../../grafana/provisioning/alerting/rules.yml', import.meta.url));

interface RuleQuery {
  readonly refId: string;
  readonly relativeTimeRange?: { readonly from: number; readonly to: number };
  readonly datasourceUid: string;
  readonly model: {
    readonly type?: string;
    readonly query?: string;
    readonly intervalMs?: number;
    readonly expression?: string;
    readonly reducer?: string;
    readonly settings?: { readonly mode?: string };
    readonly conditions?: { readonly evaluator: { readonly type: string; readonly params: number[] } }[];
  };
}

/** A provisioned alert rule, as far as its evaluation goes. */
export interface AlertRule {
  readonly uid: string;
  readonly title: string;
  readonly condition: string;
  readonly for: string;
  readonly noDataState: 'OK' | 'NoData' | 'Alerting';
  readonly data: RuleQuery[];
}

/** The rule `uid` of grafana/provisioning/alerting/rules.yml and its group's evaluation interval. */
export function provisionedRule(uid: string): { rule: AlertRule; intervalMs: number } {
  const file = parse(readFileSync(RULES, 'utf8')) as { groups: { interval: string; rules: AlertRule[] }[] };
  for (const group of file.groups) {
    const rule = group.rules.find((r) => r.uid === uid);
    if (rule !== undefined) return { rule, intervalMs: durationMs(group.interval) };
  }
  throw new Error(`rules.yml has no rule ${uid}`);
}

/** `30s`, `2m`, `1h`: the durations the rules use. */
export function durationMs(text: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(text);
  if (match === null) throw new Error(`not a duration the tests read: ${text}`);
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}

/** One series of query A: its labels (`k=v,…`) and values in the order InfluxDB returned them. */
export interface Series {
  readonly labels: string;
  readonly values: number[];
}

/** What one evaluation saw: each series' reduced value (B) and whether it crossed (C); none is "no data". */
export interface Evaluation {
  readonly atMs: number;
  readonly series: { readonly labels: string; readonly value: number; readonly firing: boolean }[];
}

/** Runs a Flux query (on the bucket the data source's `v.defaultBucket` names). */
export type RunFlux = (flux: string) => Promise<Record<string, unknown>[]>;

/** Columns that are neither a label nor the value of a Flux table. */
const NOT_LABELS = new Set(['result', 'table', '_time', '_start', '_stop']);

/**
 * Evaluates `rule` at `atMs` as Grafana does, for the shape the provisioned rules have (any
 * other shape throws, so that a changed rule cannot go untested):
 *
 * - A, the Flux query, over [atMs − from, atMs − to] of its relative time range, with
 *   `v.timeRangeStart`/`Stop`, `v.windowPeriod` and `v.defaultBucket` replaced as Grafana's
 *   Flux backend does ({@link interpolate}). Each Flux table is one series, as the data
 *   source makes one frame of each: its string columns are the labels (Grafana takes the
 *   group key; the rules keep only group-key strings), its one numeric column the values.
 * - B, a reduce expression on A: each series to one number. `last` takes the last value in
 *   the order returned, `max` the largest; mode `dropNN` first drops NaN and null, and a series
 *   left empty reduces to NaN.
 * - C, a threshold expression on B: `gt` or `lt` its parameter; NaN never crosses.
 */
export async function evaluate(rule: AlertRule, atMs: number, defaultBucket: string, run: RunFlux): Promise<Evaluation> {
  const [a, b, c] = rule.data;
  if (rule.data.length !== 3 || a === undefined || b === undefined || c === undefined || rule.condition !== c.refId)
    throw new Error(`${rule.uid}: expected the data A (query), B (reduce A), C (threshold B) with condition C`);
  if (a.model.query === undefined || a.relativeTimeRange === undefined) throw new Error(`${rule.uid}: A is not a query`);
  if (b.model.type !== 'reduce' || b.model.expression !== a.refId) throw new Error(`${rule.uid}: B does not reduce A`);
  if (c.model.type !== 'threshold' || c.model.expression !== b.refId || c.model.conditions?.length !== 1)
    throw new Error(`${rule.uid}: C is not one threshold on B`);

  const flux = interpolate(a.model.query, {
    fromMs: atMs - a.relativeTimeRange.from * 1_000,
    toMs: atMs - a.relativeTimeRange.to * 1_000,
    intervalMs: a.model.intervalMs ?? 10_000,
    defaultBucket,
    variables: {},
    allValues: {},
  });
  const reduce = reducer(b.model.reducer, b.model.settings?.mode);
  const crosses = threshold(c.model.conditions[0]!.evaluator);
  return {
    atMs,
    series: toSeries(await run(flux)).map((s) => {
      const value = reduce(s.values);
      return { labels: s.labels, value, firing: crosses(value) };
    }),
  };
}

/** Flux rows, one series per table. */
export function toSeries(rows: readonly Record<string, unknown>[]): Series[] {
  const tables = new Map<unknown, Record<string, unknown>[]>();
  for (const row of rows) tables.set(row.table, [...(tables.get(row.table) ?? []), row]);
  return [...tables.values()].map((table) => {
    const columns = Object.keys(table[0]!).filter((k) => !NOT_LABELS.has(k));
    const numeric = columns.filter((k) => typeof table[0]![k] === 'number');
    if (numeric.length !== 1) throw new Error(`a series needs one numeric column, not ${numeric.join(', ') || 'none'}`);
    const labels = columns
      .filter((k) => typeof table[0]![k] === 'string')
      .sort()
      .map((k) => `${k}=${String(table[0]![k])}`)
      .join(',');
    return { labels, values: table.map((row) => row[numeric[0]!] as number) };
  });
}

function reducer(name: string | undefined, mode: string | undefined): (values: number[]) => number {
  const keep = mode === 'dropNN' ? (values: number[]) => values.filter((v) => Number.isFinite(v)) : (values: number[]) => values;
  switch (name) {
    case 'last':
      return (values) => keep(values).at(-1) ?? NaN;
    case 'max':
      return (values) => (keep(values).length === 0 ? NaN : Math.max(...keep(values)));
    default:
      throw new Error(`reducer ${String(name)} is not one the tests evaluate`);
  }
}

function threshold(evaluator: { type: string; params: number[] }): (value: number) => boolean {
  const [limit] = evaluator.params;
  if (limit === undefined) throw new Error('a threshold without a parameter');
  switch (evaluator.type) {
    case 'gt':
      return (value) => value > limit;
    case 'lt':
      return (value) => value < limit;
    default:
      throw new Error(`threshold ${evaluator.type} is not one the tests evaluate`);
  }
}

export type AlertState = 'Normal' | 'Pending' | 'Alerting' | 'NoData';

/**
 * Each evaluation's state per series, by Grafana's state manager (ngalert/state): a series
 * that crosses goes Pending (or straight to Alerting with `for` 0) and is Alerting once it has
 * crossed at every evaluation for `for` since it went Pending; one that does not cross, or is
 * gone, is Normal. An evaluation with no series takes the rule's `noDataState`: OK is Normal
 * for all, NoData and Alerting that state for the rule.
 */
export function states(rule: AlertRule, evaluations: readonly Evaluation[]): Map<string, AlertState>[] {
  const forMs = durationMs(rule.for);
  const pendingSince = new Map<string, number>();
  const alerting = new Set<string>();
  return evaluations.map(({ atMs, series }) => {
    const out = new Map<string, AlertState>();
    if (series.length === 0) {
      pendingSince.clear();
      alerting.clear();
      if (rule.noDataState !== 'OK') out.set('', rule.noDataState);
      return out;
    }
    for (const key of [...pendingSince.keys()]) if (!series.some((s) => s.labels === key && s.firing)) pendingSince.delete(key);
    for (const key of [...alerting]) if (!series.some((s) => s.labels === key && s.firing)) alerting.delete(key);
    for (const s of series) {
      if (!s.firing) out.set(s.labels, 'Normal');
      else if (alerting.has(s.labels)) out.set(s.labels, 'Alerting');
      else {
        const since = pendingSince.get(s.labels) ?? atMs;
        pendingSince.set(s.labels, since);
        if (atMs - since >= forMs) {
          alerting.add(s.labels);
          pendingSince.delete(s.labels);
          out.set(s.labels, 'Alerting');
        } else out.set(s.labels, 'Pending');
      }
    }
    return out;
  });
}
