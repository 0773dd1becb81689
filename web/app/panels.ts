// One panel per job that declares charts and whose live data the page holds: the job's own
// charts, then the late/invalid and watermark-lag charts every job has.
import { PALETTE, rankingData, seriesData, type RankingData } from './chartData.js';
import type { JobLive } from './JobLive.js';
import { fillRanking } from './rankingList.js';
import { draw, seriesOptions } from './uPlotCharts.js';
import type { JobSummary } from './wire.js';

/** What the page drew, per job id: uPlot charts and rankings by chart name (for tests and the curious). */
export interface Drawn {
  readonly charts: Record<string, Record<string, uPlot>>;
  readonly rankings: Record<string, Record<string, RankingData>>;
}

const LATE = '#f79009';
const INVALID = '#d92d20';

export function renderPanels(container: HTMLElement, jobs: readonly JobSummary[], live: ReadonlyMap<string, JobLive>, drawn: Drawn): void {
  const charted = jobs.filter((job) => job.charts.length > 0 && live.has(job.id));
  const wanted = new Set(charted.map((job) => job.id));
  for (const panel of [...container.children] as HTMLElement[]) {
    const id = panel.dataset.jobId!;
    if (!wanted.has(id)) {
      for (const chart of Object.values(drawn.charts[id] ?? {})) chart.destroy();
      delete drawn.charts[id];
      delete drawn.rankings[id];
      panel.remove();
    }
  }
  for (const job of charted) {
    let panel = [...container.children].find((child) => (child as HTMLElement).dataset.jobId === job.id) as HTMLElement | undefined;
    if (panel === undefined) panel = createPanel(container, job);
    updatePanel(panel, job, live.get(job.id)!, drawn);
  }
}

function chartBox(name: string, title: string, ranked: boolean): HTMLElement {
  const box = document.createElement('div');
  box.className = 'chart';
  box.dataset.chart = name;
  const heading = document.createElement('h3');
  heading.textContent = title;
  box.append(heading);
  if (ranked) {
    const list = document.createElement('ol');
    list.className = 'top-urls';
    box.append(list);
  }
  return box;
}

function createPanel(container: HTMLElement, job: JobSummary): HTMLElement {
  const panel = document.createElement('div');
  panel.className = 'panel';
  panel.dataset.jobId = job.id;
  panel.innerHTML = '<h2><span class="name"></span> <span class="state"></span> <code class="id"></code></h2><div class="counters"></div><div class="charts"></div>';
  panel.querySelector('.name')!.textContent = job.name;
  panel.querySelector('.id')!.textContent = job.id;
  const boxes = panel.querySelector('.charts')!;
  for (const chart of job.charts) boxes.append(chartBox(chart.name, chart.title, chart.kind === 'ranking'));
  boxes.append(chartBox('lateInvalid', 'Late and invalid records (total)', false), chartBox('watermarkLag', 'Watermark lag per partition (s)', false));
  container.append(panel);
  return panel;
}

function updatePanel(panel: HTMLElement, job: JobSummary, live: JobLive, drawn: Drawn): void {
  const badge = panel.querySelector('h2 .state')!;
  badge.className = `state state-${job.state}`;
  badge.textContent = job.state;
  const charts = (drawn.charts[job.id] ??= {});
  const rankings = (drawn.rankings[job.id] ??= {});
  const width = Math.max(320, Math.floor(panel.querySelector('.chart')!.getBoundingClientRect().width));
  const box = (name: string) => panel.querySelector<HTMLElement>(`[data-chart="${name}"]`)!;
  const latest = live.samples[live.samples.length - 1];
  panel.querySelector('.counters')!.textContent =
    latest === undefined
      ? 'waiting for the first metrics…'
      : `records in ${latest.recordsIn} · points out ${latest.pointsOut} · windows fired ${latest.windowsFired} · late ${latest.lateRecords} · invalid ${latest.invalidRecords}` +
        (live.dropped > 0 ? ` · ${live.dropped} points too many for this page` : '');

  const points = [...live.points.values()];
  for (const chart of job.charts) {
    if (chart.kind === 'series') {
      const data = seriesData(chart, points);
      draw(charts, chart.name, box(chart.name), width, () => seriesOptions(chart, data), [data.xs, ...data.lines.map((line) => line.values)]);
    } else {
      const ranking = rankingData(chart, points);
      rankings[chart.name] = ranking;
      fillRanking(box(chart.name).querySelector('ol')!, ranking.entries);
      if (ranking.windowStartMs !== undefined && ranking.entries.length > 0) {
        box(chart.name).querySelector('h3')!.textContent = `${chart.title} (${new Date(ranking.windowStartMs).toLocaleTimeString()})`;
      }
    }
  }

  const xs = live.samples.map((sample) => sample.atMs / 1000);
  draw(charts, 'lateInvalid', box('lateInvalid'), width, () => ({
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    series: [{}, { label: 'late', stroke: LATE, width: 2 }, { label: 'invalid', stroke: INVALID, width: 2 }],
    axes: [{}, { size: 60 }],
  }), [xs, live.samples.map((s) => s.lateRecords), live.samples.map((s) => s.invalidRecords)]);

  const partitions = [...new Set(live.samples.flatMap((s) => Object.keys(s.watermarkLagSeconds)))].sort((a, b) => Number(a) - Number(b));
  draw(charts, 'watermarkLag', box('watermarkLag'), width, () => ({
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    series: [{}, ...partitions.map((p, i) => ({ label: `partition ${p}`, stroke: PALETTE[i % PALETTE.length]!, width: 1.5 }))],
    axes: [{}, { size: 50 }],
  }), [xs, ...partitions.map((p) => live.samples.map((s) => s.watermarkLagSeconds[p] ?? null))]);
}
