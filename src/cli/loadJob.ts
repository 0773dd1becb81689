import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClickflowError } from '../errors/ClickflowError.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { Job } from '../jobs/Job.js';
import { findJob, JOBS } from '../jobs/jobRegistry.js';

/** Whether the `run` argument names a module file rather than a shipped job. */
export function isModulePath(spec: string): boolean {
  return spec.includes('/') || spec.includes('\\') || /\.(c|m)?[jt]s$/.test(spec);
}

function isJob(value: unknown): value is Job {
  const job = value as Partial<Job> | null;
  return (
    typeof job === 'object' && job !== null && typeof job.name === 'string' && typeof job.pipeline === 'function' && typeof job.settings === 'function'
  );
}

/**
 * The job `clickflow run <job>` names: a shipped job by name, or a user's module by path
 * (`./my-job.js`) whose default export (or export named `job`) is a job built with `job(…)`.
 * A module that fails to load stops with its own error: its stack points at the user's code.
 */
export async function loadJob(spec: string): Promise<Job> {
  if (!isModulePath(spec)) return findJob(spec);
  const path = resolve(spec);
  if (!existsSync(path)) {
    throw new ConfigError('job', `module ${spec} does not exist; give the path of a built .js file, or a shipped job: ${[...JOBS.keys()].join(', ')}`);
  }
  if (/\.(c|m)?ts$/.test(path)) {
    throw new ConfigError('job', `${spec} is TypeScript; build it first (npx tsc) and give the .js file it compiles to`);
  }
  let module: { default?: unknown; job?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown; job?: unknown };
  } catch (error) {
    // The module's own error, stack and all: it points at the user's code. Loading it again
    // would fail the same way, so a job manager does not restart it.
    throw new ClickflowError(`${spec} failed to load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, { cause: error });
  }
  const job = isJob(module.default) ? module.default : module.job;
  if (!isJob(job)) {
    throw new ConfigError(
      'job',
      `${spec} exports no job; export one built with job(name).from(…)…toPoints(…) as its default export (see README, "Your own job")`,
    );
  }
  return job;
}
