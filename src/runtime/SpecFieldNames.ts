/**
 * What a message about a {@link JobSpec} calls each of its settings: `clickflow run` and a job
 * manager's flag submissions name the flag the user wrote (`--to`), a JSON spec its field
 * (`sink`). Plain data, so that it crosses to a job manager's worker with the spec.
 */
export interface SpecFieldNames {
  readonly source: string;
  readonly sink: string;
  readonly deadLetter: string;
  readonly lateOutput: string;
  /** Put before a record output's name: `--output sessions`, `outputs.sessions`. */
  readonly outputPrefix: string;
  readonly commitInterval: string;
  readonly passwordFile: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** The names of a spec's JSON fields, as a job manager's `POST /jobs {"spec": …}` takes them. */
export const SPEC_FIELD_NAMES: SpecFieldNames = {
  source: 'spec.source',
  sink: 'spec.sink',
  deadLetter: 'spec.deadLetter',
  lateOutput: 'spec.lateOutput',
  outputPrefix: 'spec.outputs.',
  commitInterval: 'spec.commitIntervalMs',
  passwordFile: 'spec.kafka.security.sasl.passwordFile',
  caFile: 'spec.kafka.security.ssl.caFile',
  certFile: 'spec.kafka.security.ssl.certFile',
  keyFile: 'spec.kafka.security.ssl.keyFile',
};

/** How a message names record output `name`. */
export function outputName(names: SpecFieldNames, name: string): string {
  return `${names.outputPrefix}${name}`;
}
