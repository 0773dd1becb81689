import { ConfigError } from '../errors/ConfigError.js';
import type { Job } from '../jobs/Job.js';

/** A job that cannot resume from commits yet (`Job.notResumable`), given a source that does (Kafka). */
export class NotResumableError extends ConfigError {
  constructor(job: Job, reason = job.notResumable) {
    super(
      '--from',
      `job "${job.name}" cannot run from Kafka yet: ${reason}, and could not resume from its commits. ` +
        'Put a keyBy before the second window, or run it over a file (--from file:PATH), stdin (--from -) or the generator (--from generator)',
    );
  }
}
