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

/** A module whose top-level await was still waiting when nothing was left to run. */
class NeverLoaded extends ClickflowError {
  override readonly name = 'NeverLoaded';
}

/**
 * Imports a job module. A top-level await in it that waits on a promise nothing will settle
 * leaves the event loop empty, and Node then exits 13 without a word: when the loop runs dry
 * before the import has settled ('beforeExit'), the import is given up with a message that
 * says so. (A job manager's worker keeps its IPC channel open, so it is not told; its job
 * stays CREATED until cancelled.)
 */
async function importOrIdle(url: string, spec: string): Promise<{ default?: unknown; job?: unknown }> {
  let onIdle = () => {};
  const idle = new Promise<never>((_, reject) => {
    onIdle = () =>
      reject(
        new NeverLoaded(
          `${spec} never finished loading: a top-level await in it (or in a module it imports) waits on a promise that nothing settles, ` +
            'and nothing else was left to run. Await at the top level only what completes by itself (a file read, a connection that ' +
            'times out), or move the wait into the job: its source, pipeline and sink start when the job runs',
        ),
      );
  });
  process.once('beforeExit', onIdle);
  try {
    return (await Promise.race([import(url), idle])) as { default?: unknown; job?: unknown };
  } finally {
    process.off('beforeExit', onIdle);
  }
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
    module = await importOrIdle(pathToFileURL(path).href, spec);
  } catch (error) {
    if (error instanceof NeverLoaded) throw error;
    if (isMissingClickflow(error)) {
      throw new ConfigError(
        'job',
        `${spec} imports 'clickflow', which its project does not have; install it there (npm install /path/to/clickflow) or link it (npm link in the clickflow checkout, then npm link clickflow in the job's project)`,
      );
    }
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

/** Whether loading failed because the module's project has no `clickflow` package (`import`, or `require` in a `.cjs` job). */
function isMissingClickflow(error: unknown): boolean {
  const { code, message } = error as NodeJS.ErrnoException;
  return (code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package 'clickflow'/.test(message)) || (code === 'MODULE_NOT_FOUND' && /^Cannot find module 'clickflow'/.test(message));
}
