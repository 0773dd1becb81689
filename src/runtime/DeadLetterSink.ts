import type { ResumableOutput } from './ResumableOutput.js';
import type { InvalidRecord } from '../events/InvalidRecord.js';

/** Where invalid records go, whole, with their reason: a file or a Kafka topic. */
export interface DeadLetterSink extends ResumableOutput {
  /** Rejects as soon as the output fails (a full disk, a refused write), where the output can tell; never resolves. */
  readonly failed?: Promise<never>;
  write(record: InvalidRecord): void;
  /** Resolves once every record written so far is stored; commits wait for it. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
