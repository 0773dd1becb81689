import { createHash } from 'node:crypto';
import type { Job, JobParameters } from '../jobs/Job.js';

/**
 * The job's name and a hash of its graph under `parameters`: what its commits belong to. A
 * group whose commits carry another fingerprint belongs to another job, or to this one with
 * other windows, whose moved records and checkpoints this run cannot read.
 */
export function jobFingerprint(job: Job, parameters: JobParameters): string {
  return `${job.name}:${createHash('sha256').update(job.describe?.(parameters) ?? '').digest('hex').slice(0, 12)}`;
}
