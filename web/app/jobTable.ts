import type { JobLive } from './JobLive.js';
import type { JobSummary } from './wire.js';

const ENDED = new Set(['FINISHED', 'CANCELED', 'FAILED']);

/**
 * The job list, newest first. Rows are kept per job and only their texts change, so that a
 * button is never replaced under the pointer between a press and its release.
 */
export function renderJobTable(body: HTMLElement, jobs: readonly JobSummary[], live: ReadonlyMap<string, JobLive>, cancelling: ReadonlySet<string>, onCancel: (id: string) => void): void {
  const rows = new Map(([...body.children] as HTMLElement[]).map((row) => [row.dataset.jobId!, row]));
  for (const [index, job] of [...jobs].reverse().entries()) {
    const row = rows.get(job.id) ?? createRow(job, onCancel);
    rows.delete(job.id);
    const samples = live.get(job.id)?.samples;
    const latest = samples?.[samples.length - 1];
    const [, name, stateCell, recordsIn, pointsOut, restarts, started, action] = [...row.children] as HTMLElement[];
    name!.textContent = job.name;
    const badge = stateCell!.firstElementChild!;
    badge.className = `state state-${job.state}`;
    badge.textContent = job.state;
    recordsIn!.textContent = String(latest?.recordsIn ?? job.recordsIn);
    pointsOut!.textContent = String(latest?.pointsOut ?? job.pointsOut);
    restarts!.textContent = String(job.restarts);
    started!.textContent = job.startedAt ? new Date(job.startedAt).toLocaleTimeString() : '–';
    const cancel = action!.firstElementChild as HTMLButtonElement;
    cancel.hidden = ENDED.has(job.state);
    cancel.disabled = cancelling.has(job.id);
    cancel.textContent = cancelling.has(job.id) ? 'Canceling…' : 'Cancel';
    if (body.children[index] !== row) body.insertBefore(row, body.children[index] ?? null);
  }
  for (const gone of rows.values()) gone.remove();
}

function createRow(job: JobSummary, onCancel: (id: string) => void): HTMLElement {
  const row = document.createElement('tr');
  row.dataset.jobId = job.id;
  for (const className of ['', '', '', 'number', 'number', 'number', '', '']) {
    const cell = document.createElement('td');
    if (className) cell.className = className;
    row.append(cell);
  }
  const [idCell, , stateCell, , , , , action] = [...row.children] as HTMLElement[];
  idCell!.textContent = job.id.slice(0, 8);
  idCell!.title = job.id;
  stateCell!.append(document.createElement('span'));
  const cancel = document.createElement('button');
  cancel.className = 'cancel';
  cancel.addEventListener('click', () => onCancel(job.id));
  action!.append(cancel);
  return row;
}
