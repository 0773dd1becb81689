import type { Subscription } from '../rxjs.js';
import { logger } from '../logging/logger.js';
import { WatermarkTracker } from '../operators/WatermarkTracker.js';
import type { JobHandle } from '../runtime/JobHandle.js';

/**
 * Reports a running job on stderr: a progress line redrawn once a second on a terminal, a
 * structured `progress` log every 10 s otherwise, and the job's own reports as logs. Tracks
 * idle partitions (no records for `idleTimeoutMs`), which it names in both; a partition that
 * moves to another instance is forgotten.
 */
export class ProgressReporter {
  readonly tracker: WatermarkTracker;
  private timer: NodeJS.Timeout | undefined;
  private subscription: Subscription | undefined;
  private readonly startedMs = Date.now();
  private lastRecordsIn = 0;

  constructor(
    private readonly handle: JobHandle,
    idleTimeoutMs: number,
    private readonly tty = process.stderr.isTTY === true,
  ) {
    this.tracker = new WatermarkTracker(idleTimeoutMs);
  }

  private get jobName(): string {
    return this.handle.name;
  }

  private get metrics() {
    return this.handle.metrics;
  }

  start(): void {
    this.subscription = this.handle.events.subscribe((event) => {
      if (event.type === 'progress') this.tracker.update(event.partition, event.watermarkMs, Date.now());
      else if (event.type === 'revoked') this.tracker.remove(event.partition);
    });
    this.timer = setInterval(() => this.report(), this.tty ? 1_000 : 10_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.subscription?.unsubscribe();
    if (this.tty) process.stderr.write('\r\x1b[K');
  }

  private report(): void {
    const nowMs = Date.now();
    const m = this.metrics;
    const idle = this.tracker.idlePartitions(nowMs);
    const watermarks = [...m.watermarks]
      .sort(([a], [b]) => a - b)
      .map(([p, w]) => `p${p}=${Number.isFinite(w) ? new Date(w).toISOString().slice(11, 19) : '-'}`)
      .join(' ');
    const rate = Math.round(((m.recordsIn - this.lastRecordsIn) * 1000) / (this.tty ? 1_000 : 10_000));
    this.lastRecordsIn = m.recordsIn;
    if (this.tty) {
      process.stderr.write(
        `\r\x1b[K${this.jobName}: ${m.recordsIn} in (${rate}/s), ${m.pointsOut} points out, ` +
          `${m.lateRecords} late, ${m.invalidRecords} invalid, watermarks ${watermarks || '-'}` +
          (idle.length > 0 ? `, idle ${idle.join(',')}` : ''),
      );
    } else {
      logger.info({ job: this.jobName, ...m.toJSON(), ratePerSec: rate, idlePartitions: idle, uptimeMs: nowMs - this.startedMs }, 'progress');
    }
  }
}
