// The job manager's live page: the job list (submit, cancel) and, for each job that declares
// charts, those charts fed by GET /live. Everything drawn is also on window.clickflow, for
// tests and the curious.
import { JobLive } from './JobLive.js';
import { renderJobTable } from './jobTable.js';
import { renderPanels, type Drawn } from './panels.js';
import { serverSentEvents } from './serverSentEvents.js';
import type { JobSummary, LiveLimits, LiveMessage } from './wire.js';

/** Charts are redrawn at most this often; data arrives every 0.5 s. */
const RENDER_INTERVAL_MS = 500;
const RECONNECT_MS = 1000;

interface PageState extends Drawn {
  jobs: readonly JobSummary[];
  renders: number;
  connected: boolean;
}

declare global {
  interface Window {
    clickflow: PageState;
  }
}

const page: PageState = { jobs: [], charts: {}, rankings: {}, renders: 0, connected: false };
window.clickflow = page;
const live = new Map<string, JobLive>();
let limits: LiveLimits | undefined;
const cancelling = new Set<string>();

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

// ---- the token ----------------------------------------------------------------------------
const token = () => sessionStorage.getItem('clickflow-token');
const authHeaders = (): Record<string, string> => {
  const value = token();
  return value ? { authorization: `Bearer ${value}` } : {};
};
element<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem('clickflow-token', element<HTMLInputElement>('token').value);
  element('token-form').hidden = true;
  void connect();
});
function askForToken(): void {
  element('token-form').hidden = false;
  setConnection('down', 'token needed');
}

// ---- the live stream ----------------------------------------------------------------------
function setConnection(kind: 'live' | 'down', text: string): void {
  const badge = element('connection');
  badge.dataset.state = kind;
  badge.textContent = text;
  page.connected = kind === 'live';
}

let connecting = false;
async function connect(): Promise<void> {
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
    for await (const { event, data } of serverSentEvents(response.body)) onMessage({ event, data: JSON.parse(data) } as LiveMessage);
    throw new Error('the job manager closed the stream');
  } catch (error) {
    setConnection('down', `reconnecting (${(error as Error).message})`);
    setTimeout(() => void connect(), RECONNECT_MS);
  } finally {
    connecting = false;
  }
}

function liveOf(id: string): JobLive {
  let job = live.get(id);
  if (job === undefined) live.set(id, (job = new JobLive(limits!)));
  return job;
}

function onMessage(message: LiveMessage): void {
  switch (message.event) {
    case 'snapshot':
      limits = message.data.limits;
      live.clear();
      for (const [id, job] of Object.entries(message.data.live)) {
        const held = liveOf(id);
        held.upsert(job.points);
        held.samples = job.samples;
        held.dropped = job.dropped;
      }
      page.jobs = message.data.jobs;
      break;
    case 'jobs':
      page.jobs = message.data;
      break;
    case 'points': {
      const held = liveOf(message.data.job);
      held.upsert(message.data.points);
      held.dropped = message.data.dropped;
      break;
    }
    case 'metrics':
      liveOf(message.data.job).addSample(message.data.sample);
      break;
  }
  renderSoon();
}

// ---- rendering ----------------------------------------------------------------------------
let renderTimer: ReturnType<typeof setTimeout> | undefined;
function renderSoon(): void {
  if (renderTimer !== undefined) return;
  renderTimer = setTimeout(() => {
    renderTimer = undefined;
    render();
  }, RENDER_INTERVAL_MS);
}

function render(): void {
  renderJobs();
  renderPanels(element('panels'), page.jobs, live, page);
  page.renders++;
}

function renderJobs(): void {
  renderJobTable(document.querySelector<HTMLElement>('#jobs tbody')!, page.jobs, live, cancelling, (id) => void cancelJob(id));
  element('no-jobs').hidden = page.jobs.length > 0;
}

// ---- changes ------------------------------------------------------------------------------
async function cancelJob(id: string): Promise<void> {
  cancelling.add(id);
  renderJobs();
  try {
    // The manager takes a change only as JSON, the type no other site's page can send it unasked.
    const response = await fetch(`/jobs/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { 'content-type': 'application/json', ...authHeaders() } });
    if (response.status === 401) askForToken();
    else if (!response.ok) showMessage(((await response.json()) as { error?: string }).error ?? `cancel answered ${response.status}`, false);
  } catch (error) {
    showMessage(`cannot reach the job manager: ${(error as Error).message}`, false);
  } finally {
    cancelling.delete(id);
    renderJobs();
  }
}

element<HTMLFormElement>('submit-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const job = element<HTMLInputElement>('submit-job').value.trim();
  const argsText = element<HTMLInputElement>('submit-args').value.trim();
  const restart = element<HTMLInputElement>('submit-restart').value.trim();
  const body = { job, args: argsText === '' ? [] : argsText.split(/\s+/), ...(restart === '' ? {} : { restart }) };
  try {
    const response = await fetch('/jobs', { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders() }, body: JSON.stringify(body) });
    const answer = (await response.json()) as { error?: string; name?: string; id?: string };
    if (response.status === 401) askForToken();
    else if (!response.ok) showMessage(answer.error ?? `submit answered ${response.status}`, false);
    else showMessage(`submitted ${answer.name}: ${answer.id}`, true);
  } catch (error) {
    showMessage(`cannot reach the job manager: ${(error as Error).message}`, false);
  }
});

function showMessage(text: string, ok: boolean): void {
  const message = element('submit-message');
  message.hidden = false;
  message.className = ok ? 'message ok' : 'message';
  message.textContent = text;
}

void connect();
