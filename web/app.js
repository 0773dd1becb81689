// The job manager's live page: the job list (submit, cancel) and, for each error-rates or
// sessions job, charts fed by GET /live (Server-Sent Events read with fetch, so that a token travels in the
// Authorization header, never in a URL). The data is the jobs' typed points as JSON: a point
// replaces the one with the same measurement, tags and time, as a re-fired window does in
// InfluxDB. Everything drawn is also on window.clickflow, for tests and the curious.
'use strict';

/** Window starts per measurement and points per measurement kept, as the manager keeps them. */
const WINDOWS_KEPT = 360;
const MAX_POINTS_PER_MEASUREMENT = 20000;
/** Charts are redrawn at most this often; data arrives every 0.5 s. */
const RENDER_INTERVAL_MS = 500;
const TOP_URLS = 10;
const ENDED = new Set(['FINISHED', 'CANCELED', 'FAILED']);
const COLORS = { total: '#d92d20', client: '#f79009', server: '#7a5af8', events: '#2e90fa', late: '#f79009', invalid: '#d92d20' };
const PARTITION_COLORS = ['#2e90fa', '#12b76a', '#f79009', '#7a5af8', '#d92d20', '#0e9384', '#e31b54', '#667085'];

const state = {
  jobs: [],
  /** job id → { points: Map(key → point), samples: [], dropped } */
  live: new Map(),
};
/** What the page drew, for tests: charts (uPlot instances) and top URLs per job. */
window.clickflow = { jobs: state.jobs, charts: {}, topUrls: {}, landingPages: {}, renders: 0, connected: false };

// ---- the token -------------------------------------------------------------------------
const token = () => sessionStorage.getItem('clickflow-token');
const authHeaders = () => (token() ? { authorization: `Bearer ${token()}` } : {});
document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem('clickflow-token', document.getElementById('token').value);
  document.getElementById('token-form').hidden = true;
  connect();
});
function askForToken() {
  document.getElementById('token-form').hidden = false;
  setConnection('down', 'token needed');
}

// ---- the live stream -------------------------------------------------------------------
function setConnection(kind, text) {
  const element = document.getElementById('connection');
  element.dataset.state = kind;
  element.textContent = text;
  window.clickflow.connected = kind === 'live';
}

let connecting = false;
async function connect() {
  if (connecting) return;
  connecting = true;
  try {
    const response = await fetch('/live', { headers: authHeaders(), cache: 'no-store' });
    if (response.status === 401) {
      askForToken();
      return;
    }
    if (!response.ok || response.body === null) throw new Error(`GET /live answered ${response.status}`);
    setConnection('live', 'live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        onFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
    throw new Error('the job manager closed the stream');
  } catch (error) {
    setConnection('down', `reconnecting (${error.message})`);
    setTimeout(connect, 1000);
  } finally {
    connecting = false;
  }
}

function onFrame(frame) {
  let event = 'message';
  let data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (data === '') return;
  const message = JSON.parse(data);
  if (event === 'snapshot') {
    state.live.clear();
    for (const [id, job] of Object.entries(message.live)) {
      const live = liveOf(id);
      upsert(live, job.points);
      live.samples = job.samples;
      live.dropped = job.dropped;
    }
    setJobs(message.jobs);
  } else if (event === 'jobs') {
    setJobs(message);
  } else if (event === 'points') {
    const live = liveOf(message.job);
    upsert(live, message.points);
    live.dropped = message.dropped;
  } else if (event === 'metrics') {
    const live = liveOf(message.job);
    live.samples.push(message.sample);
    if (live.samples.length > 600) live.samples.splice(0, live.samples.length - 600);
  }
  renderSoon();
}

function liveOf(id) {
  let live = state.live.get(id);
  if (live === undefined) {
    live = { points: new Map(), samples: [], dropped: 0 };
    state.live.set(id, live);
  }
  return live;
}

/** A point replaces the one with the same measurement, tags and time: a re-fired window. */
function upsert(live, points) {
  for (const point of points) live.points.set(JSON.stringify([point.measurement, point.tags, point.timeMs]), point);
  trim(live);
}

function trim(live) {
  const byMeasurement = new Map();
  for (const [key, point] of live.points) {
    let times = byMeasurement.get(point.measurement);
    if (times === undefined) byMeasurement.set(point.measurement, (times = new Map()));
    let keys = times.get(point.timeMs);
    if (keys === undefined) times.set(point.timeMs, (keys = []));
    keys.push(key);
  }
  for (const times of byMeasurement.values()) {
    let size = 0;
    for (const keys of times.values()) size += keys.length;
    const oldestFirst = [...times.keys()].sort((a, b) => a - b);
    for (const time of oldestFirst) {
      if (times.size <= 1 || (times.size <= WINDOWS_KEPT && size <= MAX_POINTS_PER_MEASUREMENT)) break;
      for (const key of times.get(time)) live.points.delete(key);
      size -= times.get(time).length;
      times.delete(time);
    }
  }
}

function setJobs(jobs) {
  state.jobs = jobs;
  window.clickflow.jobs = jobs;
}

// ---- rendering -------------------------------------------------------------------------
let renderTimer;
function renderSoon() {
  if (renderTimer !== undefined) return;
  renderTimer = setTimeout(() => {
    renderTimer = undefined;
    render();
  }, RENDER_INTERVAL_MS);
}

function render() {
  renderJobs();
  renderPanels();
  window.clickflow.renders++;
}

/**
 * The job list, newest first. Rows are kept per job and only their texts change, so that a
 * button is never replaced under the pointer between a press and its release.
 */
function renderJobs() {
  const body = document.querySelector('#jobs tbody');
  const rows = new Map([...body.children].map((row) => [row.dataset.jobId, row]));
  const ordered = [...state.jobs].reverse();
  for (const [index, job] of ordered.entries()) {
    let row = rows.get(job.id);
    if (row === undefined) row = createRow(job);
    rows.delete(job.id);
    const live = state.live.get(job.id);
    const latest = live?.samples[live.samples.length - 1];
    const [, name, stateCell, recordsIn, pointsOut, restarts, started, action] = row.children;
    name.textContent = job.name;
    const badge = stateCell.firstChild;
    badge.className = `state state-${job.state}`;
    badge.textContent = job.state;
    recordsIn.textContent = String(latest?.recordsIn ?? job.recordsIn);
    pointsOut.textContent = String(latest?.pointsOut ?? job.pointsOut);
    restarts.textContent = String(job.restarts);
    started.textContent = job.startedAt ? new Date(job.startedAt).toLocaleTimeString() : '–';
    const cancel = action.firstChild;
    cancel.hidden = ENDED.has(job.state);
    cancel.disabled = cancelling.has(job.id);
    cancel.textContent = cancelling.has(job.id) ? 'Canceling…' : 'Cancel';
    if (body.children[index] !== row) body.insertBefore(row, body.children[index] ?? null);
  }
  for (const gone of rows.values()) gone.remove();
  document.getElementById('no-jobs').hidden = state.jobs.length > 0;
}

function createRow(job) {
  const row = document.createElement('tr');
  row.dataset.jobId = job.id;
  for (const className of ['', '', '', 'number', 'number', 'number', '', '']) {
    const td = document.createElement('td');
    if (className) td.className = className;
    row.append(td);
  }
  row.children[0].textContent = job.id.slice(0, 8);
  row.children[0].title = job.id;
  row.children[2].append(document.createElement('span'));
  const cancel = document.createElement('button');
  cancel.className = 'cancel';
  cancel.addEventListener('click', () => cancelJob(job.id));
  row.children[7].append(cancel);
  return row;
}

/** The shipped jobs the page draws, by name: their charts, and how to fill them. */
const CHARTED = {
  'error-rates': {
    charts: `
      <div class="chart" data-chart="errorRate"><h3>Error rate per window (all partitions)</h3></div>
      <div class="chart" data-chart="events"><h3>Events per window</h3></div>
      <div class="chart" data-chart="topUrls"><h3>Top URLs of the last window</h3><ol class="top-urls"></ol></div>`,
    update: (panel, charts, width, live, id) => updateErrorRates(panel, charts, width, live, id),
  },
  sessions: {
    charts: `
      <div class="chart" data-chart="sessions"><h3>Sessions per minute of session end</h3></div>
      <div class="chart" data-chart="bounceRate"><h3>Bounce rate and sessions that met a 5xx</h3></div>
      <div class="chart" data-chart="duration"><h3>Average session duration (s)</h3></div>
      <div class="chart" data-chart="landingPages"><h3>Top landing pages (sessions)</h3><ol class="top-urls"></ol></div>`,
    update: (panel, charts, width, live, id) => updateSessions(panel, charts, width, live, id),
  },
};

/** Jobs with charts and live data: running ones, and ended ones whose data this page still holds. */
function chartedJobs() {
  return state.jobs.filter((job) => CHARTED[job.job] !== undefined && state.live.has(job.id));
}

function renderPanels() {
  const container = document.getElementById('panels');
  const jobs = chartedJobs();
  const wanted = new Set(jobs.map((job) => job.id));
  for (const panel of [...container.children]) {
    if (!wanted.has(panel.dataset.jobId)) {
      destroyCharts(panel.dataset.jobId);
      panel.remove();
    }
  }
  for (const job of jobs) {
    let panel = container.querySelector(`[data-job-id="${job.id}"]`);
    if (panel === null) panel = createPanel(container, job);
    updatePanel(panel, job, state.live.get(job.id));
  }
}

function createPanel(container, job) {
  const panel = document.createElement('div');
  panel.className = 'panel';
  panel.dataset.jobId = job.id;
  panel.innerHTML = `
    <h2><span class="name"></span> <span class="state"></span> <code class="id"></code></h2>
    <div class="counters"></div>
    <div class="charts">${CHARTED[job.job].charts}
      <div class="chart" data-chart="lateInvalid"><h3>Late and invalid records (total)</h3></div>
      <div class="chart" data-chart="watermarkLag"><h3>Watermark lag per partition (s)</h3></div>
    </div>`;
  panel.querySelector('.name').textContent = job.name;
  panel.querySelector('.id').textContent = job.id;
  container.append(panel);
  return panel;
}

function chartWidth(panel) {
  const box = panel.querySelector('.chart');
  return Math.max(320, Math.floor(box.getBoundingClientRect().width));
}

/** The error_rates points summed over partitions per window start, oldest first. */
function windowTotals(live) {
  const byTime = new Map();
  for (const point of live.points.values()) {
    if (point.measurement !== 'error_rates') continue;
    let sum = byTime.get(point.timeMs);
    if (sum === undefined) byTime.set(point.timeMs, (sum = { total: 0, errors: 0, client: 0, server: 0 }));
    sum.total += point.fields.total;
    sum.errors += point.fields.errors;
    sum.client += point.fields.client_errors;
    sum.server += point.fields.server_errors;
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  return { times, sums: times.map((time) => byTime.get(time)) };
}

/** The url_counts of the newest window start, summed over partitions, biggest first. */
function topUrls(live) {
  let newest = -Infinity;
  for (const point of live.points.values()) if (point.measurement === 'url_counts' && point.timeMs > newest) newest = point.timeMs;
  const counts = new Map();
  for (const point of live.points.values()) {
    if (point.measurement !== 'url_counts' || point.timeMs !== newest) continue;
    counts.set(point.tags.url, (counts.get(point.tags.url) ?? 0) + point.fields.count);
  }
  return { windowStartMs: newest, urls: [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_URLS) };
}

function updatePanel(panel, job, live) {
  const badge = panel.querySelector('h2 .state');
  badge.className = `state state-${job.state}`;
  badge.textContent = job.state;
  const charts = (window.clickflow.charts[job.id] ??= {});
  const width = chartWidth(panel);
  const latest = live.samples[live.samples.length - 1];
  panel.querySelector('.counters').textContent = latest === undefined
    ? 'waiting for the first metrics…'
    : `records in ${latest.recordsIn} · points out ${latest.pointsOut} · windows fired ${latest.windowsFired} · late ${latest.lateRecords} · invalid ${latest.invalidRecords}` +
      (live.dropped > 0 ? ` · ${live.dropped} points too many for this page` : '');

  CHARTED[job.job].update(panel, charts, width, live, job.id);

  const sampleXs = live.samples.map((sample) => sample.atMs / 1000);
  draw(charts, 'lateInvalid', panel, width, () => ({
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    series: [{}, { label: 'late', stroke: COLORS.late, width: 2 }, { label: 'invalid', stroke: COLORS.invalid, width: 2 }],
    axes: [{}, { size: 60 }],
  }), [sampleXs, live.samples.map((s) => s.lateRecords), live.samples.map((s) => s.invalidRecords)]);

  const partitions = [...new Set(live.samples.flatMap((s) => Object.keys(s.watermarkLagSeconds)))].sort((a, b) => Number(a) - Number(b));
  if (charts.watermarkLag !== undefined && charts.watermarkLag.series.length !== partitions.length + 1) {
    charts.watermarkLag.destroy();
    delete charts.watermarkLag;
  }
  draw(charts, 'watermarkLag', panel, width, () => ({
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    series: [{}, ...partitions.map((p, i) => ({ label: `partition ${p}`, stroke: PARTITION_COLORS[i % PARTITION_COLORS.length], width: 1.5 }))],
    axes: [{}, { size: 50 }],
  }), [sampleXs, ...partitions.map((p) => live.samples.map((s) => s.watermarkLagSeconds[p] ?? null))]);
}

/** The error-rates charts: error rate and events per window, top URLs of the newest window. */
function updateErrorRates(panel, charts, width, live, id) {
  const { times, sums } = windowTotals(live);
  const xs = times.map((ms) => ms / 1000);
  const ratio = (part) => sums.map((sum) => (sum.total === 0 ? 0 : sum[part] / sum.total));
  draw(charts, 'errorRate', panel, width, () => ({
    scales: { y: { range: (u, min, max) => [0, Math.max(0.1, max * 1.1)] } },
    series: [{}, { label: 'errors', stroke: COLORS.total, width: 2 }, { label: '4xx', stroke: COLORS.client, width: 1.5 }, { label: '5xx', stroke: COLORS.server, width: 1.5 }],
    axes: [{}, { values: (u, values) => values.map((v) => `${(v * 100).toFixed(0)}%`), size: 50 }],
  }), [xs, ratio('errors'), ratio('client'), ratio('server')]);
  draw(charts, 'events', panel, width, () => ({
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    series: [{}, { label: 'events', stroke: COLORS.events, fill: 'rgba(46,144,250,0.25)', width: 1, paths: uPlot.paths.bars({ size: [0.7, 60] }) }],
    axes: [{}, { size: 60 }],
  }), [xs, sums.map((sum) => sum.total)]);

  const top = topUrls(live);
  window.clickflow.topUrls[id] = top;
  fillTopList(panel.querySelector('.top-urls'), top.urls);
  if (top.urls.length > 0) panel.querySelector('[data-chart="topUrls"] h3').textContent = `Top URLs of the last window (${new Date(top.windowStartMs).toLocaleTimeString()})`;

}

/** session_stats per minute, oldest first (no partition tag: each point is the whole topic's). */
function sessionMinutes(live) {
  const minutes = [];
  for (const point of live.points.values()) if (point.measurement === 'session_stats') minutes.push(point);
  return minutes.sort((a, b) => a.timeMs - b.timeMs);
}

/** landing_pages summed over the minutes this page holds, most sessions first. */
function landingPages(live) {
  const counts = new Map();
  for (const point of live.points.values()) {
    if (point.measurement === 'landing_pages') counts.set(point.tags.url, (counts.get(point.tags.url) ?? 0) + point.fields.sessions);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_URLS);
}

/** The sessions charts: sessions, bounce rate, 5xx share and duration per minute, top landing pages. */
function updateSessions(panel, charts, width, live, id) {
  const minutes = sessionMinutes(live);
  const xs = minutes.map((point) => point.timeMs / 1000);
  draw(charts, 'sessions', panel, width, () => ({
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    series: [{}, { label: 'sessions', stroke: COLORS.events, fill: 'rgba(46,144,250,0.25)', width: 1, paths: uPlot.paths.bars({ size: [0.7, 60] }) }],
    axes: [{}, { size: 60 }],
  }), [xs, minutes.map((point) => point.fields.sessions)]);
  draw(charts, 'bounceRate', panel, width, () => ({
    scales: { y: { range: () => [0, 1] } },
    series: [{}, { label: 'bounced', stroke: COLORS.client, width: 2 }, { label: 'met a 5xx', stroke: COLORS.server, width: 1.5 }],
    axes: [{}, { values: (u, values) => values.map((v) => `${(v * 100).toFixed(0)}%`), size: 50 }],
  }), [xs, minutes.map((point) => point.fields.bounce_rate), minutes.map((point) => point.fields.server_error_share)]);
  draw(charts, 'duration', panel, width, () => ({
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    series: [{}, { label: 'average duration (s)', stroke: COLORS.total, width: 2 }],
    axes: [{}, { size: 60 }],
  }), [xs, minutes.map((point) => point.fields.avg_duration_s)]);
  const pages = landingPages(live);
  window.clickflow.landingPages[id] = pages;
  fillTopList(panel.querySelector('.top-urls'), pages);
}

/** A ranked list of (URL, count) with bars, its texts set as text, never as HTML. */
function fillTopList(list, entries) {
  list.replaceChildren();
  const most = entries[0]?.[1] ?? 1;
  for (const [url, count] of entries) {
    const item = document.createElement('li');
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${(100 * count) / most}%`;
    const name = document.createElement('span');
    name.className = 'url';
    name.textContent = url;
    name.title = url;
    const n = document.createElement('span');
    n.className = 'count';
    n.textContent = String(count);
    item.append(bar, name, n);
    list.append(item);
  }
}

/** Creates a chart the first time, then only gives it new data (and a new width). */
function draw(charts, name, panel, width, options, data) {
  let chart = charts[name];
  if (chart === undefined) {
    const box = panel.querySelector(`[data-chart="${name}"]`);
    const own = options();
    chart = new uPlot({ width, height: 220, legend: { live: false }, ...own, scales: { x: { time: true }, ...own.scales } }, data, box);
    charts[name] = chart;
    return;
  }
  if (chart.width !== width) chart.setSize({ width, height: 220 });
  chart.setData(data);
}

function destroyCharts(id) {
  for (const chart of Object.values(window.clickflow.charts[id] ?? {})) chart.destroy();
  delete window.clickflow.charts[id];
}

// ---- actions ---------------------------------------------------------------------------
const cancelling = new Set();
async function cancelJob(id) {
  cancelling.add(id);
  renderJobs();
  try {
    // The manager takes a change only as JSON, the type no other site's page can send it unasked.
    const response = await fetch(`/jobs/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { 'content-type': 'application/json', ...authHeaders() } });
    if (response.status === 401) askForToken();
    else if (!response.ok) showMessage((await response.json()).error ?? `cancel answered ${response.status}`, false);
  } catch (error) {
    showMessage(`cannot reach the job manager: ${error.message}`, false);
  } finally {
    cancelling.delete(id);
    renderJobs();
  }
}

document.getElementById('submit-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const job = document.getElementById('submit-job').value.trim();
  const argsText = document.getElementById('submit-args').value.trim();
  const restart = document.getElementById('submit-restart').value.trim();
  const body = { job, args: argsText === '' ? [] : argsText.split(/\s+/), ...(restart === '' ? {} : { restart }) };
  try {
    const response = await fetch('/jobs', { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders() }, body: JSON.stringify(body) });
    const answer = await response.json();
    if (response.status === 401) askForToken();
    else if (!response.ok) showMessage(answer.error, false);
    else showMessage(`submitted ${answer.name}: ${answer.id}`, true);
  } catch (error) {
    showMessage(`cannot reach the job manager: ${error.message}`, false);
  }
});

function showMessage(text, ok) {
  const element = document.getElementById('submit-message');
  element.hidden = false;
  element.className = ok ? 'message ok' : 'message';
  element.textContent = text;
}

connect();
