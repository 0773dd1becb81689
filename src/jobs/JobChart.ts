/**
 * A chart the job manager's live page draws for a job, declared by the job beside its points
 * so that the page knows no job by name. Each is computed in the browser from the job's points
 * as they arrive (a re-fired window's point replacing the earlier one). Plain data: it travels
 * to the page as JSON in the job list. Type-only, so the page's own build imports it too.
 */
export type JobChart = SeriesChart | RankingChart;

/** Lines (or bars) over window starts: per window, the measurement's points summed over their tags. */
export interface SeriesChart {
  readonly kind: 'series';
  /** The chart's name on the page: `data-chart`, and its key in `window.clickflow.charts[job]`. */
  readonly name: string;
  readonly title: string;
  readonly measurement: string;
  /** `bars` suits counts of discrete windows; default `line`. */
  readonly style?: 'line' | 'bars';
  /** `ratio` draws the axis in percent; default `count`. */
  readonly unit?: 'ratio' | 'count';
  /** A fixed top of the axis (a ratio that reaches 1); default: the data's, at least 0.1 for a ratio, 1 for a count. */
  readonly yMax?: number;
  /** The lines, in order; with `splitBy` there is one line per value of the tag instead. */
  readonly series?: readonly ChartSeries[];
  /** One line per value of `tag` (sorted), of `field` summed per window, e.g. per action. */
  readonly splitBy?: { readonly tag: string; readonly field: string };
}

/** One line: per window, `field` summed over the window's points, divided by `per`'s sum when set (0 when that is 0). */
export interface ChartSeries {
  readonly label: string;
  /** CSS colour. */
  readonly color: string;
  readonly field: string;
  readonly per?: string;
}

/** A ranked list of a tag's values by a field, biggest first, texts drawn as text. */
export interface RankingChart {
  readonly kind: 'ranking';
  readonly name: string;
  readonly title: string;
  readonly measurement: string;
  readonly tag: string;
  readonly field: string;
  /** `newest-window`: the newest window start's points only; `all-windows`: summed over every window the page holds. */
  readonly over: 'newest-window' | 'all-windows';
}
