import type { SpecFieldNames } from '../runtime/SpecFieldNames.js';

/** What messages about a spec built from `clickflow run` flags call its settings: the flags. */
export const RUN_FLAG_NAMES: SpecFieldNames = {
  source: '--from',
  sink: '--to',
  deadLetter: '--dead-letter',
  lateOutput: '--late-output',
  outputPrefix: '--output ',
  commitInterval: '--commit-interval',
  passwordFile: '--kafka-password-file',
  caFile: '--kafka-ca',
  certFile: '--kafka-cert',
  keyFile: '--kafka-key',
};
