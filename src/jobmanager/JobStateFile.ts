import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ClickflowError } from '../errors/ClickflowError.js';
import type { JobRecord } from './ManagedJob.js';

/**
 * The manager's jobs on disk, so that a restarted manager resumes the jobs that were running.
 * Written whole to a temporary file and renamed over the old one, so a crash mid-write leaves
 * the previous state; mode 0600, since submitted flags may hold an InfluxDB token.
 */
export class JobStateFile {
  constructor(readonly path: string) {}

  load(): JobRecord[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new ClickflowError(`cannot read the job manager's state file ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const parsed = JSON.parse(text) as { jobs?: JobRecord[] };
      return Array.isArray(parsed.jobs) ? parsed.jobs : [];
    } catch (error) {
      throw new ClickflowError(
        `the job manager's state file ${this.path} is not valid JSON (${(error as Error).message}); move it away to start with no jobs`,
        { cause: error },
      );
    }
  }

  save(jobs: readonly JobRecord[]): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ jobs }, null, 1)}\n`, { mode: 0o600 });
    renameSync(temporary, this.path);
  }
}
