import type { Endpoint, RecordOutputEndpoint } from './Endpoint.js';
import { parseRunFlags } from './parseRunArgs.js';

/** The files a run's flags name, found without opening any of them. */
export interface RunFiles {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly deadLetter?: Endpoint;
  readonly lateOutput?: Endpoint;
  /** The job's record outputs (`--output NAME=…`). */
  readonly outputs?: readonly RecordOutputEndpoint[];
  /** The files the Kafka options would read (password, CA, certificate, key), with their option. */
  readonly secretFiles: readonly { readonly option: string; readonly path: string }[];
}

const SECRET_OPTIONS = [
  ['--kafka-password-file', 'kafkaPasswordFile'],
  ['--kafka-ca', 'kafkaCa'],
  ['--kafka-cert', 'kafkaCert'],
  ['--kafka-key', 'kafkaKey'],
] as const;

/**
 * A run's endpoints and secret files, parsed as `clickflow run` parses its flags but without
 * reading the secret files: reading one may block (a FIFO) or fail (a file since deleted),
 * which must stop neither a job manager's API nor another job's submission.
 * @throws ConfigError for flags `clickflow run` would refuse
 */
export function runFilesOf(args: readonly string[]): RunFiles {
  const { flags } = parseRunFlags(args);
  const secretFiles = SECRET_OPTIONS.flatMap(([option, key]) => (typeof flags[key] === 'string' ? [{ option, path: flags[key] }] : []));
  return {
    from: flags.from as Endpoint,
    to: flags.to as Endpoint,
    deadLetter: flags.deadLetter as Endpoint | undefined,
    lateOutput: flags.lateOutput as Endpoint | undefined,
    outputs: flags.output as RecordOutputEndpoint[] | undefined,
    secretFiles,
  };
}
