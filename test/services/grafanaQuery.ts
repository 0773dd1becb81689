import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A panel of a provisioned dashboard, as far as the tests read it. */
export interface DashboardPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { x: number; y: number; w: number; h: number };
  readonly targets?: { refId: string; query: string; datasource: { uid: string } }[];
}

export interface Dashboard {
  readonly title: string;
  readonly panels: DashboardPanel[];
  readonly templating: { list: { name: string; query: string; allValue?: string; datasource: { uid: string } }[] };
}

const DASHBOARD = fileURLToPath(new URL('../../../grafana/dashboards/error-monitoring.json', import.meta.url));

export function errorMonitoringDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
}

/** The panel titled `title`; fails when there is none. */
export function panelTitled(dashboard: Dashboard, title: string): DashboardPanel {
  const panel = dashboard.panels.find((p) => p.title === title);
  if (panel === undefined) throw new Error(`the dashboard has no panel "${title}"`);
  return panel;
}

/** A template variable's selection: `'all'`, or the values picked. */
export type Selection = 'all' | readonly string[];

/** What Grafana fills into a query: the time range, the interval and the variables' selections. */
export interface QueryContext {
  readonly fromMs: number;
  readonly toMs: number;
  readonly intervalMs: number;
  readonly defaultBucket: string;
  readonly variables: Readonly<Record<string, Selection>>;
  /** Each variable's "Custom all value". */
  readonly allValues: Readonly<Record<string, string>>;
}

/**
 * A panel's Flux query as Grafana sends it to InfluxDB. First the browser interpolates the
 * template variables: `${name:regex}` becomes the variable's custom all value for "All", the
 * regex-escaped value for one, and `(a|b)` for several. Then Grafana's Flux backend
 * (pkg/tsdb/influxdb/flux/macros.go) replaces `v.timeRangeStart`/`v.timeRangeStop` with
 * RFC3339Nano UTC times, `v.windowPeriod` with the interval as a Go duration and
 * `v.defaultBucket` with the data source's bucket, quoted.
 */
export function interpolate(query: string, context: QueryContext): string {
  const withVariables = query.replace(/\$\{(\w+):regex\}/g, (_, name: string) => {
    const selection = context.variables[name];
    if (selection === undefined) throw new Error(`no selection for variable ${name}`);
    if (selection === 'all') {
      const all = context.allValues[name];
      if (all === undefined) throw new Error(`variable ${name} has no custom all value`);
      return all;
    }
    const escaped = selection.map(regexEscape);
    return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
  });
  if (/\$\{?\w/.test(withVariables)) throw new Error(`a variable is left in: ${withVariables}`);
  return withVariables
    .replaceAll('v.timeRangeStart', goRfc3339Nano(context.fromMs))
    .replaceAll('v.timeRangeStop', goRfc3339Nano(context.toMs))
    .replaceAll('v.windowPeriod', goDuration(context.intervalMs))
    .replaceAll('v.defaultBucket', JSON.stringify(context.defaultBucket));
}

/** Grafana's regex escaping of a variable value. */
function regexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

/** Go's `time.RFC3339Nano` in UTC: trailing zeros of the fraction (and a bare dot) dropped. */
export function goRfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

/** Go's `time.Duration.String()` for whole milliseconds: `10s`, `1m0s`, `1.5s`, `200ms`. */
export function goDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1_000;
  return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${seconds}s`;
}
