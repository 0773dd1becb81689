import { INVALID_REASONS, type InvalidReason } from '../events/InvalidRecord.js';

/** Counters of a running job; read by the progress line, the exit summary and tests. */
export class JobMetrics {
  /** Records read from the source, valid or not. */
  recordsIn = 0;
  readonly invalidByReason: Record<InvalidReason, number> = Object.fromEntries(
    INVALID_REASONS.map((reason) => [reason, 0]),
  ) as Record<InvalidReason, number>;
  lateRecords = 0;
  windowsFired = 0;
  pointsOut = 0;
  /** Watermark of each partition after its latest batch. */
  readonly watermarks = new Map<number, number>();

  get invalidRecords(): number {
    let total = 0;
    for (const reason of INVALID_REASONS) total += this.invalidByReason[reason];
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
      watermarks: Object.fromEntries(
        [...this.watermarks].map(([p, w]) => [p, Number.isFinite(w) ? new Date(w).toISOString() : null]),
      ),
    };
  }
}
