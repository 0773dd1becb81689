// A job's declared charts computed from its points: no DOM, so Node's tests run it too.
import type { RankingChart, SeriesChart } from '../../src/jobs/JobChart.js';
import type { LivePoint } from './wire.js';

export interface SeriesData {
  /** Window starts in seconds (uPlot's time), oldest first. */
  readonly xs: number[];
  readonly lines: { readonly label: string; readonly color: string; readonly values: number[] }[];
}

export interface RankingData {
  /** The window the entries are of (`newest-window`), else undefined. */
  readonly windowStartMs: number | undefined;
  /** (tag value, sum), biggest first, ties by value. */
  readonly entries: [string, number][];
}

/** Colours of lines that the job did not name (one per tag value of `splitBy`). */
export const PALETTE = ['#2e90fa', '#12b76a', '#f79009', '#7a5af8', '#d92d20', '#0e9384', '#e31b54', '#667085'];
export const RANKING_SIZE = 10;

function numberOf(point: LivePoint, field: string): number {
  const value = point.fields[field];
  return typeof value === 'number' ? value : 0;
}

/** Per window start, the chart's measurement summed over its points (partitions, tags). */
export function seriesData(chart: SeriesChart, points: Iterable<LivePoint>): SeriesData {
  const fields = new Set<string>();
  for (const s of chart.series ?? []) {
    fields.add(s.field);
    if (s.per !== undefined) fields.add(s.per);
  }
  const byTime = new Map<number, Map<string, number>>();
  const splitValues = new Set<string>();
  for (const point of points) {
    if (point.measurement !== chart.measurement) continue;
    let sums = byTime.get(point.timeMs);
    if (sums === undefined) byTime.set(point.timeMs, (sums = new Map()));
    if (chart.splitBy !== undefined) {
      const value = point.tags[chart.splitBy.tag];
      if (value === undefined) continue;
      splitValues.add(value);
      sums.set(value, (sums.get(value) ?? 0) + numberOf(point, chart.splitBy.field));
    } else {
      for (const field of fields) sums.set(field, (sums.get(field) ?? 0) + numberOf(point, field));
    }
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const xs = times.map((ms) => ms / 1000);
  if (chart.splitBy !== undefined) {
    return {
      xs,
      lines: [...splitValues].sort().map((value, i) => ({ label: value, color: PALETTE[i % PALETTE.length]!, values: times.map((t) => byTime.get(t)!.get(value) ?? 0) })),
    };
  }
  return {
    xs,
    lines: (chart.series ?? []).map((s) => ({
      label: s.label,
      color: s.color,
      values: times.map((t) => {
        const sums = byTime.get(t)!;
        const value = sums.get(s.field)!;
        if (s.per === undefined) return value;
        const per = sums.get(s.per)!;
        return per === 0 ? 0 : value / per;
      }),
    })),
  };
}

export function rankingData(chart: RankingChart, points: Iterable<LivePoint>): RankingData {
  const own: LivePoint[] = [];
  for (const point of points) if (point.measurement === chart.measurement && point.tags[chart.tag] !== undefined) own.push(point);
  let windowStartMs: number | undefined;
  if (chart.over === 'newest-window') for (const point of own) if (windowStartMs === undefined || point.timeMs > windowStartMs) windowStartMs = point.timeMs;
  const sums = new Map<string, number>();
  for (const point of own) {
    if (windowStartMs !== undefined && point.timeMs !== windowStartMs) continue;
    const value = point.tags[chart.tag]!;
    sums.set(value, (sums.get(value) ?? 0) + numberOf(point, chart.field));
  }
  const entries = [...sums].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, RANKING_SIZE);
  return { windowStartMs, entries };
}
