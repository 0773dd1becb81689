import type { EventFeed } from '../connectors/memory/EventFeed.js';
import type { Job } from '../jobs/Job.js';
import type { Point } from '../points/Point.js';
import { checkJobSpec } from './checkJobSpec.js';
import type { JobHandle } from './JobHandle.js';
import type { JobSpec } from './JobSpec.js';
import { loadJob } from './loadJob.js';
import { observedSink } from './observedSink.js';
import { SPEC_FIELD_NAMES, type SpecFieldNames } from './SpecFieldNames.js';
import { startJob } from './startJob.js';

/** How {@link startJobSpec} reports, and what it gives the connectors beside the spec. */
export interface StartJobSpecOptions {
  /** What messages call the spec's settings. Default: its JSON fields. */
  readonly names?: SpecFieldNames;
  /** Given every batch of points the sink is given (a job manager's live page). */
  readonly observePoints?: (points: readonly Point[]) => void;
  /** For a generator source: events from outside the process beside the generated ones (a job manager's worker passes the demo collector's). */
  readonly collected?: EventFeed;
}

/**
 * Runs a spec: loads its job, checks it ({@link checkJobSpec}), builds its connectors and
 * starts the job. `clickflow run` and a job manager's workers both start jobs this way.
 * @throws ConfigError (and the job module's own load error) before anything opens
 */
export async function startJobSpec(spec: JobSpec, options: StartJobSpecOptions = {}): Promise<{ job: Job; handle: JobHandle }> {
  const names = options.names ?? SPEC_FIELD_NAMES;
  const job = await loadJob(spec.job);
  const { connectors, parameters } = await checkJobSpec(spec, job, names, { collected: options.collected });
  const sink = options.observePoints === undefined ? connectors.sink : observedSink(connectors.sink, options.observePoints);
  return { job, handle: startJob(job, { ...connectors, sink, parameters, commitIntervalMs: spec.commitIntervalMs }) };
}
