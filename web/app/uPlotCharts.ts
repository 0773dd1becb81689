// Drawing with uPlot (loaded by its own script tag, from its npm package: no CDN).
/// <reference types="uplot" />
import type { SeriesChart } from '../../src/jobs/JobChart.js';
import type { SeriesData } from './chartData.js';

export const CHART_HEIGHT = 220;

/** A chart's options under its data's line count; a new line count makes a new chart. */
export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

/** Creates the chart the first time, then only gives it new data (and a new width). */
export function draw(charts: Record<string, uPlot>, name: string, box: HTMLElement, width: number, options: () => ChartOptions, data: uPlot.AlignedData): void {
  let chart: uPlot | undefined = charts[name];
  if (chart !== undefined && chart.series.length !== data.length) {
    chart.destroy();
    chart = undefined;
  }
  if (chart === undefined) {
    const own = options();
    charts[name] = new uPlot({ width, height: CHART_HEIGHT, legend: { live: false }, ...own, scales: { x: { time: true }, ...own.scales } }, data, box);
    return;
  }
  if (chart.width !== width) chart.setSize({ width, height: CHART_HEIGHT });
  chart.setData(data);
}

const percent = (_: uPlot, values: number[]) => values.map((v) => `${(v * 100).toFixed(0)}%`);

/** uPlot's options for a job's declared series chart. */
export function seriesOptions(chart: SeriesChart, data: SeriesData): ChartOptions {
  const ratio = chart.unit === 'ratio';
  const floor = ratio ? 0.1 : 1;
  const bars = chart.style === 'bars';
  const yMax = chart.yMax;
  return {
    scales: { y: { range: (_u, _min, max) => [0, yMax ?? Math.max(floor, max * 1.1)] } },
    series: [
      {},
      ...data.lines.map((line, i) => ({
        label: line.label,
        stroke: line.color,
        width: bars ? 1 : i === 0 ? 2 : 1.5,
        ...(bars ? { fill: `${line.color}40`, paths: uPlot.paths.bars!({ size: [0.7, 60] }) } : {}),
      })),
    ],
    axes: [{}, ratio ? { values: percent, size: 50 } : { size: 60 }],
  };
}
