import { ConfigError } from '../errors/ConfigError.js';
import type { Job, JobParameters } from '../jobs/Job.js';
import { checkFileEndpoints } from './checkFileEndpoints.js';
import type { JobSpec } from './JobSpec.js';
import { NotResumableError } from './NotResumableError.js';
import { resolveKafkaSecurity } from './resolveKafkaSecurity.js';
import { specConnectors, type SpecConnectors, type SpecConnectorsOptions } from './specConnectors.js';
import { outputName, type SpecFieldNames } from './SpecFieldNames.js';

/** Shorter commit intervals would spend the job on flushing and committing. */
const MIN_COMMIT_INTERVAL_MS = 100;

/**
 * Every check a run makes before anything opens, with its messages: the Kafka secret files
 * (read now), the commit interval, outputs to stdout, the job's settings under the spec's parameters
 * (when the job is loaded here), the Kafka and InfluxDB settings its connectors check when
 * built, and its files. A job manager checks a submission with it too, so that a bad one is
 * refused rather than started.
 * @param job the job, when loaded; a job manager never loads a module (its code would run there)
 * @param options given to {@link specConnectors}
 * @returns the spec's connectors, built but not open, and the job's parameters
 */
export async function checkJobSpec(
  spec: JobSpec,
  job: Job | undefined,
  names: SpecFieldNames,
  options: SpecConnectorsOptions = {},
): Promise<{ connectors: SpecConnectors; parameters: JobParameters }> {
  const security = resolveKafkaSecurity(spec.kafka?.security, names);
  if (spec.commitIntervalMs !== undefined && spec.commitIntervalMs < MIN_COMMIT_INTERVAL_MS) {
    throw new ConfigError(names.commitInterval, `must be at least ${MIN_COMMIT_INTERVAL_MS}ms: each commit flushes every output and asks the broker; give a second or more`);
  }
  const toStdout = spec.sink.kind === 'stdout' ? [names.sink] : [];
  for (const [name, output] of Object.entries(spec.outputs ?? {})) {
    if (output.kind === 'stdout') toStdout.push(outputName(names, name));
  }
  if (toStdout.length > 1) {
    throw new ConfigError(toStdout[1]!, `${toStdout.join(' and ')} both write to stdout, where their lines would mix; send one of them to a file (file:PATH, or --to none)`);
  }
  const parameters: JobParameters = { ...spec.parameters };
  job?.settings(parameters);
  const connectors = specConnectors(spec, security, names, options);
  // Refused here too, not only by startJob: a job manager checks submissions with this.
  if (job?.notResumable !== undefined && connectors.source.resumesFromCommits === true) throw new NotResumableError(job);
  await checkFileEndpoints(spec, names);
  return { connectors, parameters };
}
