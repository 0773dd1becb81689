// A job manager's worker: one child process per running job, so that a job that crashes or
// blocks its event loop cannot take the manager or another job with it. It runs the job's spec
// as `clickflow run` runs its own and reports over IPC; the manager sends `start` once and
// `cancel` when the job is to stop.
import { ClickflowError } from '../errors/ClickflowError.js';
import { DEFAULTS } from '../config/defaults.js';
import { EventFeed } from '../connectors/memory/EventFeed.js';
import type { JobHandle } from '../runtime/JobHandle.js';
import type { JobSpec } from '../runtime/JobSpec.js';
import type { JobStatus } from '../runtime/JobStatus.js';
import type { SpecFieldNames } from '../runtime/SpecFieldNames.js';
import { startJobSpec } from '../runtime/startJobSpec.js';
import { LivePointsForwarder } from './LivePointsForwarder.js';
import { snapshotOf } from './snapshotOf.js';
import type { FromWorker, ToWorker, WorkerError } from './WorkerMessage.js';

/**
 * Sends a message to the manager; resolves once it is written to the channel, or could not be
 * (the manager is gone). Messages arrive in order, so once the last resolves every one has.
 */
function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

function errorOf(error: unknown): WorkerError {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, stack: e.stack, retriable: !(e instanceof ClickflowError) || e.retriable };
}

let handle: JobHandle | undefined;
let cancelled = false;

/** Stops the job gracefully (flush, commit), now or as soon as it has started. */
function stop(): void {
  cancelled = true;
  void handle?.cancel();
}

/** Disconnects from the manager, unless that happened already (a second disconnect would throw). */
function disconnect(): void {
  if (process.connected) process.disconnect();
}

/** The job's points, for the manager's live page. */
const livePoints = new LivePointsForwarder(send);

/** The events the manager sends a generator job (the demo collector's), for its in-memory topic. */
const collected = new EventFeed(DEFAULTS.demo.retainRecords);

/** Runs the job; resolves with how it ended. */
async function start(spec: JobSpec, names: SpecFieldNames): Promise<JobStatus> {
  const started = await startJobSpec(spec, { names, observePoints: livePoints.take, collected });
  livePoints.start();
  handle = started.handle;
  send({ type: 'named', name: started.job.name });
  if (cancelled) void handle.cancel();
  handle.events.subscribe((event) => {
    if (event.type === 'status' && event.status === 'RUNNING') send({ type: 'status', status: 'RUNNING' });
    else if (event.type === 'log' && event.level !== 'debug') send({ type: 'log', level: event.level, message: event.message, fields: event.fields });
  });
  const timer = setInterval(() => send({ type: 'metrics', metrics: snapshotOf(handle!) }), DEFAULTS.jobManager.metricsIntervalMs);
  try {
    await handle.done;
  } finally {
    clearInterval(timer);
    // The last metrics and points before the final status (FAILED is sent by the caller): the
    // page then holds everything the sink got.
    send({ type: 'metrics', metrics: snapshotOf(handle) });
    livePoints.flush(true);
  }
  return handle.status;
}

/**
 * Reports how the job ended, then lets the process go. disconnect() closes the channel at once
 * and drops what is still queued in it: a large last `points` or `metrics` message, and the
 * status behind it, would be lost and the manager would see a process that exited without a
 * word. So the status must be written before the channel is closed.
 */
async function end(status: FromWorker & { type: 'status' }, exitCode: number): Promise<void> {
  process.exitCode = exitCode;
  await send(status);
  disconnect();
  // Once the job has ended (every client closed, or failed), a client library's stray socket
  // or timer must not keep the process, or the manager would wait for it forever.
  setTimeout(() => process.exit(), DEFAULTS.exitGraceMs).unref();
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') {
    stop();
    return;
  }
  if (message.type === 'events') {
    collected.push(message.messages);
    return;
  }
  void start(message.spec, message.names).then(
    (status) => end({ type: 'status', status }, 0),
    (error: unknown) => end({ type: 'status', status: 'FAILED', error: errorOf(error) }, 1),
  );
});
// The manager went away without cancelling (killed, crashed, a second Ctrl-C): stop as a
// cancel would, flushing and committing, rather than run on unmanaged beside the job the next
// manager resumes. After the job's own end this is a no-op.
process.on('disconnect', stop);
// The manager's signals are for the manager: it cancels its jobs itself, so that each flushes and commits.
process.on('SIGINT', () => {});
process.on('SIGTERM', stop);
