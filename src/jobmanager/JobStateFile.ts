import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeFileError } from '../connectors/file/describeFileError.js';
import { ClickflowError } from '../errors/ClickflowError.js';
import type { JobRecord } from './ManagedJob.js';
import { StateFileError } from './StateFileError.js';
import { storedJobRecord } from './storedJobRecord.js';

/** The jobs a state file holds, and what was wrong with the records left out or repaired. */
export interface LoadedState {
  readonly jobs: JobRecord[];
  /** One sentence per record skipped or repaired, naming its index and what to do. */
  readonly warnings: string[];
}

/**
 * The manager's jobs on disk, so that a restarted manager resumes the jobs that were running.
 * Written whole to a temporary file and renamed over the old one, so a crash mid-write leaves
 * the previous state; mode 0600, since submitted flags may hold an InfluxDB token.
 */
export class JobStateFile {
  constructor(readonly path: string) {}

  /** The temporary file each write goes through: a job must not write there either. */
  get temporaryPath(): string {
    return `${this.path}.${process.pid}.tmp`;
  }

  /**
   * Reads the jobs. A record that cannot be used is skipped with a warning, and the file as
   * read is copied aside first, since the next write drops that record.
   * @throws ClickflowError for a file that cannot be read or holds no `{"jobs": [...]}` at all
   */
  load(): LoadedState {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { jobs: [], warnings: [] };
      throw new ClickflowError(`cannot read the job manager's state file ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    const moveAway = `move it away (mv ${this.path} ${this.path}.old) to start with no jobs`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ClickflowError(`the job manager's state file ${this.path} is not valid JSON (${(error as Error).message}); ${moveAway}`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      const found = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
      throw new ClickflowError(`the job manager's state file ${this.path} holds ${found}, not an object {"jobs": [...]}; fix it by hand or ${moveAway}`);
    }
    const stored = (parsed as { jobs?: unknown }).jobs;
    if (stored === undefined) return { jobs: [], warnings: [] };
    if (!Array.isArray(stored)) {
      throw new ClickflowError(`the job manager's state file ${this.path} has "jobs" that is not an array; fix it by hand or ${moveAway}`);
    }
    const jobs: JobRecord[] = [];
    const warnings: string[] = [];
    const ids = new Set<string>();
    stored.forEach((value: unknown, index) => {
      const read = storedJobRecord(value);
      const problem = 'problem' in read ? read.problem : ids.has(read.record.id) ? `has the id ${read.record.id} of an earlier record` : undefined;
      if (problem !== undefined) {
        warnings.push(`jobs[${index}] ${problem}: skipped; fix or delete that record in the copy`);
        return;
      }
      if (!('record' in read)) return;
      if (read.repaired !== undefined) warnings.push(`jobs[${index}] (job ${read.record.id}) ${read.repaired}`);
      ids.add(read.record.id);
      jobs.push(read.record);
    });
    if (warnings.length > 0 && jobs.length < stored.length) {
      const copy = `${this.path}.skipped-${Date.now()}`;
      try {
        copyFileSync(this.path, copy);
        return { jobs, warnings: warnings.map((w) => w.replace('in the copy', `in ${copy}, then put it back over ${this.path} with no manager running`)) };
      } catch (error) {
        throw new ClickflowError(
          `the job manager's state file ${this.path} has records it must skip (${warnings.join('; ')}), and it cannot keep a copy of them in ${copy} (${(error as Error).message}); fix them by hand or ${moveAway}`,
          { cause: error },
        );
      }
    }
    return { jobs, warnings };
  }

  /**
   * Writes the jobs; on failure no temporary file is left behind.
   * @throws StateFileError saying why the file cannot be written and what to do
   */
  save(jobs: readonly JobRecord[]): void {
    const temporary = this.temporaryPath;
    const directory = dirname(this.path);
    try {
      mkdirSync(directory, { recursive: true });
    } catch (error) {
      throw new StateFileError(
        `cannot write the job manager's state file ${this.path}: cannot create its directory ${directory} (${(error as Error).message}); a file may stand where a directory should be: move it away`,
        error,
      );
    }
    try {
      writeFileSync(temporary, `${JSON.stringify({ jobs }, null, 1)}\n`, { mode: 0o600 });
      renameSync(temporary, this.path);
    } catch (error) {
      try {
        rmSync(temporary, { force: true });
      } catch {
        // Not ours to remove (a directory someone made there): the write failed on it anyway.
      }
      const { reason, fix } = describeFileError(error, 'write', this.path);
      throw new StateFileError(`cannot write the job manager's state file ${this.path} (${reason}); ${fix}`, error);
    }
  }
}
