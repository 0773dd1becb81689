import { INVALID_REASONS } from '../events/InvalidRecord.js';
import { isoTimeOrNull } from '../time/isoTimeOrNull.js';

/** Counters of a running job; read by the progress line, the exit summary and tests. */
export class JobMetrics {
  /** Records read from the source, valid or not. */
  recordsIn = 0;
  /** Invalid records by reason: every built-in reason (0 until seen), and a job's own as they occur. */
  readonly invalidByReason: Record<string, number> = Object.fromEntries(INVALID_REASONS.map((reason) => [reason, 0]));
  lateRecords = 0;
  windowsFired = 0;
  pointsOut = 0;
  /** Lines written to the job's record outputs (`toRecords`), connected or not. */
  recordsOut = 0;
  /** Watermark of each partition after its latest batch; a partition that moved away is removed. */
  readonly watermarks = new Map<number, number>();
  /** Records between each partition's end and the job's position, where the source knows it (Kafka). */
  readonly consumerLag = new Map<number, number>();
  /** Sink writes retried. */
  sinkRetries = 0;
  /** Duration of each sink write request, in seconds, until a reader takes them ({@link takeSinkWriteSeconds}). */
  private sinkWrites: number[] = [];

  /** A sink's write request took `seconds`. */
  recordSinkWrite(seconds: number): void {
    // Bounded, so that nobody reading them never costs memory.
    if (this.sinkWrites.length < 10_000) this.sinkWrites.push(seconds);
  }

  /** The sink write durations since the last call. */
  takeSinkWriteSeconds(): number[] {
    const taken = this.sinkWrites;
    this.sinkWrites = [];
    return taken;
  }

  get invalidRecords(): number {
    let total = 0;
    for (const n of Object.values(this.invalidByReason)) total += n;
    return total;
  }

  /** A plain object for logs and JSON output. */
  toJSON(): Record<string, unknown> {
    return {
      recordsIn: this.recordsIn,
      invalidRecords: this.invalidRecords,
      invalidByReason: { ...this.invalidByReason },
      lateRecords: this.lateRecords,
      windowsFired: this.windowsFired,
      pointsOut: this.pointsOut,
      recordsOut: this.recordsOut,
      watermarks: Object.fromEntries(
        [...this.watermarks].map(([p, w]) => [p, isoTimeOrNull(w)]),
      ),
    };
  }
}
