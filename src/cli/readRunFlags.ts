import type { NamedSpec } from '../jobmanager/FlagReader.js';
import { jobSpecOf } from './jobSpecOf.js';
import { parseRunArgs } from './parseRunArgs.js';
import { RUN_FLAG_NAMES } from './runFlagNames.js';

/**
 * A job manager's reader of flag submissions: the spec of `clickflow run <job> <args…>`, its
 * messages naming the flags. Reads no file, so the manager may call it for any job at any time.
 * @throws ConfigError with the message `clickflow run` prints for the same flags
 */
export function readRunFlags(job: string, args: readonly string[]): NamedSpec {
  return { spec: jobSpecOf(parseRunArgs([job, ...args])), names: RUN_FLAG_NAMES };
}
