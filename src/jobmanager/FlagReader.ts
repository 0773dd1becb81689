import type { JobSpec } from '../runtime/JobSpec.js';
import type { SpecFieldNames } from '../runtime/SpecFieldNames.js';

/** A job's spec, with what messages about it call its settings. */
export interface NamedSpec {
  readonly spec: JobSpec;
  readonly names: SpecFieldNames;
}

/**
 * Reads a submission of `clickflow run` flags as a spec, its files unread. The manager is given
 * it by the command line that starts it: parsing flags is the CLI's business, not the manager's.
 * @throws ConfigError with the message `clickflow run` prints for the same flags
 */
export type FlagReader = (job: string, args: readonly string[]) => NamedSpec;
