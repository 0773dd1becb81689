import type { ResumableOutput } from './ResumableOutput.js';
import type { Point } from '../points/Point.js';

/** Where a job's points go: InfluxDB, a line-protocol file, stdout. `write` buffers; `flush` makes it durable. */
export interface PointSink extends ResumableOutput {
  /** Rejects as soon as the output fails (a full disk, a refused write), where the output can tell; never resolves. */
  readonly failed?: Promise<never>;
  write(points: readonly Point[]): void;
  /** Resolves once every point written so far is stored; commits wait for it. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
