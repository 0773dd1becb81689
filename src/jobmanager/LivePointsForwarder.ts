import { DEFAULTS } from '../config/defaults.js';
import type { Point } from '../points/Point.js';
import type { FromWorker } from './WorkerMessage.js';

/**
 * Collects the points a worker's job writes and sends them to the manager every
 * `DEFAULTS.jobManager.live.sendIntervalMs`, in one IPC message. On the job's path it only keeps
 * a reference to each batch; points become plain data at the send. Beyond
 * `maxPointsPerSend` points between two sends the rest are counted as dropped: the page misses
 * them, the job never waits for it.
 */
export class LivePointsForwarder {
  private batches: (readonly Point[])[] = [];
  private held = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (message: FromWorker) => void) {}

  /** Takes one batch of points, as the sink is given them. */
  readonly take = (points: readonly Point[]): void => {
    if (this.held + points.length > DEFAULTS.jobManager.live.maxPointsPerSend) {
      this.dropped += points.length;
      return;
    }
    this.batches.push(points);
    this.held += points.length;
  };

  start(): void {
    this.timer ??= setInterval(() => this.flush(), DEFAULTS.jobManager.live.sendIntervalMs);
  }

  /** Sends what was taken since the last send, if anything; then stops, when `last`. */
  flush(last = false): void {
    if (last) clearInterval(this.timer);
    if (this.held === 0 && this.dropped === 0) return;
    const points = [];
    for (const batch of this.batches) for (const point of batch) points.push(point.toJSON());
    this.send({ type: 'points', points, dropped: this.dropped });
    this.batches = [];
    this.held = 0;
    this.dropped = 0;
  }
}
