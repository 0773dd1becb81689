// node scripts/render-dashboard.mjs [dashboard.json] [out.png] — a picture of a provisioned
// dashboard's layout for the README, without a Grafana: each panel drawn at its gridPos with its
// title and, when INFLUX_URL/ORG/TOKEN/BUCKET name a bucket the job wrote, the results of its
// Flux queries (interpolated as Grafana does, over the last 15 minutes) as a small chart or table.
// Needs `npm run build` (for the interpolation) and Chromium (/usr/bin/chromium, or CHROMIUM).
import { readFileSync } from 'node:fs';
import { InfluxDB } from '@influxdata/influxdb-client';
import { chromium } from 'playwright-core';
import { interpolate } from '../dist/test/services/grafanaQuery.js';

const [dashboardPath = 'grafana/dashboards/error-monitoring.json', outPath = 'docs/dashboard.png'] = process.argv.slice(2);
const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8'));
const COLUMN_PX = 56;
const ROW_PX = 30;
const COLORS = ['#73bf69', '#f2cc0c', '#ff7383', '#8ab8ff', '#ff9830', '#b877d9', '#5794f2', '#e0b400'];

const { INFLUX_URL, INFLUX_ORG, INFLUX_TOKEN, INFLUX_BUCKET } = process.env;
const live = INFLUX_URL && INFLUX_ORG && INFLUX_TOKEN && INFLUX_BUCKET;
const nowMs = Date.now();
const context = {
  fromMs: nowMs - 15 * 60_000,
  toMs: nowMs,
  intervalMs: 10_000,
  defaultBucket: INFLUX_BUCKET,
  variables: Object.fromEntries(dashboard.templating.list.map((v) => [v.name, 'all'])),
  allValues: Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v.allValue ?? ''])),
};

async function rowsOf(query) {
  if (!live) return [];
  const api = new InfluxDB({ url: INFLUX_URL, token: INFLUX_TOKEN }).getQueryApi(INFLUX_ORG);
  return api.collectRows(interpolate(query, context));
}

const escapeHtml = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const displayName = (panel, name) =>
  panel.fieldConfig?.overrides?.find((o) => o.matcher.id === 'byName' && o.matcher.options === name)?.properties.find((p) => p.id === 'displayName')?.value ?? name;

/** Time series from Flux rows: one per numeric column and combination of string columns. */
function seriesOf(panel, rows) {
  const series = new Map();
  for (const row of rows) {
    const time = Date.parse(row._time);
    const tags = Object.entries(row).filter(([k, v]) => typeof v === 'string' && !k.startsWith('_') && k !== 'result').map(([, v]) => v);
    for (const [column, value] of Object.entries(row)) {
      if (typeof value !== 'number' || column === 'table') continue;
      const name = tags.length > 0 ? tags.join(' ') : displayName(panel, column);
      if (!series.has(name)) series.set(name, []);
      series.get(name).push([time, value]);
    }
  }
  return [...series].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** A field override's property for the series `name`, if any. */
const override = (panel, name, id) =>
  panel.fieldConfig?.overrides?.find((o) => o.matcher.id === 'byName' && displayName(panel, o.matcher.options) === name)?.properties.find((p) => p.id === id)?.value;

function chart(panel, series, width, height) {
  if (series.length === 0) return '<div class="empty">no data</div>';
  const custom = panel.fieldConfig?.defaults?.custom ?? {};
  const stacked = custom.stacking?.mode === 'normal';
  const times = series.flatMap(([, points]) => points.map(([t]) => t));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t) => 4 + ((t - t0) / Math.max(1, t1 - t0)) * (width - 8);
  // Series on the right axis have a scale of their own; stacked series share their sums' scale.
  const right = (name) => override(panel, name, 'custom.axisPlacement') === 'right';
  const maxOf = (list) => {
    const values = new Map();
    for (const [, points] of list) for (const [t, v] of points) values.set(t, stacked ? (values.get(t) ?? 0) + v : Math.max(values.get(t) ?? 0, v));
    return Math.max(1e-9, ...values.values());
  };
  const leftMax = maxOf(series.filter(([name]) => !right(name)));
  const rightMax = maxOf(series.filter(([name]) => right(name)));
  const base = new Map();
  const shapes = series.map(([name, points], i) => {
    const color = COLORS[i % COLORS.length];
    const max = right(name) ? rightMax : leftMax;
    const y = (v) => height - 4 - (v / max) * (height - 8);
    if ((override(panel, name, 'custom.drawStyle') ?? custom.drawStyle) === 'bars') {
      const w = Math.max(1, (width - 8) / Math.max(1, points.length) - 1);
      return points
        .map(([t, v]) => {
          const from = stacked ? (base.get(t) ?? 0) : 0;
          if (stacked) base.set(t, from + v);
          return `<rect x="${x(t) - w / 2}" y="${y(from + v)}" width="${w}" height="${Math.max(0, y(from) - y(from + v))}" fill="${color}" opacity="0.8"/>`;
        })
        .join('');
    }
    return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.map(([t, v]) => `${x(t)},${y(v)}`).join(' ')}"/>`;
  });
  const thresholds = (panel.fieldConfig?.defaults?.thresholds?.steps ?? [])
    .filter((s) => s.value !== null && s.value <= leftMax)
    .map((s) => {
      const y = height - 4 - (s.value / leftMax) * (height - 8);
      return `<line x1="0" x2="${width}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-dasharray="4 3"/>`;
    });
  const legend = series.map(([name], i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${escapeHtml(name)}</span>`).join('');
  return `<svg width="${width}" height="${height}">${thresholds.join('')}${shapes.join('')}</svg><div class="legend">${legend}</div>`;
}

function table(rows) {
  if (rows.length === 0) return '<div class="empty">no data</div>';
  const columns = Object.keys(rows[0]).filter((k) => k !== 'result' && k !== 'table');
  const cell = (v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : v);
  return `<table><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${columns.map((c) => `<td>${escapeHtml(cell(r[c]))}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

const boxes = [];
for (const panel of dashboard.panels) {
  const { x, y, w, h } = panel.gridPos;
  const style = `left:${x * COLUMN_PX}px;top:${y * ROW_PX}px;width:${w * COLUMN_PX - 6}px;height:${h * ROW_PX - 6}px`;
  if (panel.type === 'row') {
    boxes.push(`<div class="row" style="${style}">${escapeHtml(panel.title)}</div>`);
    continue;
  }
  const rows = (await Promise.all(panel.targets.map((t) => rowsOf(t.query)))).flat();
  const body = panel.type === 'table' ? table(rows) : chart(panel, seriesOf(panel, rows), w * COLUMN_PX - 22, h * ROW_PX - 70);
  boxes.push(`<div class="panel" style="${style}"><div class="title">${escapeHtml(panel.title)}</div><div class="body">${body}</div></div>`);
}
const height = Math.max(...dashboard.panels.map((p) => (p.gridPos.y + p.gridPos.h) * ROW_PX)) + 60;
const variables = dashboard.templating.list.map((v) => `<span class="var">${escapeHtml(v.label ?? v.name)} <b>All</b></span>`).join('');
const html = `<!doctype html><meta charset="utf-8"><style>
body{margin:0;background:#111217;color:#ccccdc;font:12px Inter,Helvetica,Arial,sans-serif}
header{height:44px;display:flex;align-items:center;gap:16px;padding:0 12px;font-size:15px}
.var{background:#22252b;border:1px solid #34373f;padding:3px 8px;font-size:12px}
.var b{color:#fff;font-weight:500;margin-left:6px}
.meta{margin-left:auto;font-size:12px;color:#8e8e8e}
main{position:relative;margin:0 12px}
.panel{position:absolute;background:#181b1f;border:1px solid #22252b;border-radius:2px;overflow:hidden}
.title{padding:6px 8px;font-weight:500;color:#d8d9da}
.body{padding:0 8px}
.row{position:absolute;font-size:14px;font-weight:500;padding-top:6px}
.legend{display:flex;flex-wrap:wrap;gap:10px;margin-top:4px}
.legend i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}
.empty{color:#6e6e6e;padding:20px;text-align:center}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:2px 4px;border-bottom:1px solid #22252b}th{color:#6e9fff}
</style><header>${escapeHtml(dashboard.title)}${variables}<span class="meta">Last 15 minutes · refresh ${escapeHtml(dashboard.refresh)}</span></header>
<main style="height:${height}px">${boxes.join('')}</main>`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
try {
  const page = await browser.newPage({ viewport: { width: 24 * COLUMN_PX + 24, height: height + 44 } });
  await page.setContent(html);
  await page.screenshot({ path: outPath, fullPage: true });
} finally {
  await browser.close();
}
process.stderr.write(`${outPath}: ${dashboard.panels.length} panels${live ? `, data from bucket ${INFLUX_BUCKET}` : ', layout only (set INFLUX_* for data)'}\n`);
