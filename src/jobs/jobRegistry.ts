import { ConfigError } from '../errors/ConfigError.js';
import { actionsJob } from './actions/actionsJob.js';
import { archiveJob } from './archive/archiveJob.js';
import { errorRatesJob } from './errorRates/errorRatesJob.js';
import { sessionsJob } from './sessions/sessionsJob.js';
import type { Job } from './Job.js';

/** The jobs clickflow ships, by name. */
export const JOBS: ReadonlyMap<string, Job> = new Map([
  [errorRatesJob.name, errorRatesJob],
  [sessionsJob.name, sessionsJob],
  [actionsJob.name, actionsJob],
  [archiveJob.name, archiveJob],
]);

/** Looks a shipped job up by name; the error lists the names there are. */
export function findJob(name: string): Job {
  const job = JOBS.get(name);
  if (job === undefined) {
    throw new ConfigError('job', `there is no job "${name}"; shipped jobs: ${[...JOBS.keys()].join(', ')}`);
  }
  return job;
}
