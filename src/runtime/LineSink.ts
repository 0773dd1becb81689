import type { ResumableOutput } from './ResumableOutput.js';

/** Where a job's lines go: stdout, a file, InfluxDB. `write` buffers; `flush` makes it durable. */
export interface LineSink extends ResumableOutput {
  /** Rejects as soon as the output fails (a full disk, a refused write), where the output can tell; never resolves. */
  readonly failed?: Promise<never>;
  write(lines: readonly string[]): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
