import type { LiveLimits, LivePoint, LiveSample } from './wire.js';

/**
 * What the page holds of one job: its points, a re-fired window's point replacing the earlier
 * one (same measurement, tags and time) as in InfluxDB, trimmed to what the manager keeps; and
 * its metric samples.
 */
export class JobLive {
  readonly points = new Map<string, LivePoint>();
  samples: LiveSample[] = [];
  dropped = 0;

  constructor(private readonly limits: LiveLimits) {}

  upsert(points: readonly LivePoint[]): void {
    for (const point of points) this.points.set(JSON.stringify([point.measurement, point.tags, point.timeMs]), point);
    this.trim();
  }

  addSample(sample: LiveSample): void {
    this.samples.push(sample);
    if (this.samples.length > this.limits.samplesKept) this.samples.splice(0, this.samples.length - this.limits.samplesKept);
  }

  /** Per measurement, the oldest window starts go first, the newest always stays. */
  private trim(): void {
    const byMeasurement = new Map<string, Map<number, string[]>>();
    for (const [key, point] of this.points) {
      let times = byMeasurement.get(point.measurement);
      if (times === undefined) byMeasurement.set(point.measurement, (times = new Map()));
      let keys = times.get(point.timeMs);
      if (keys === undefined) times.set(point.timeMs, (keys = []));
      keys.push(key);
    }
    for (const times of byMeasurement.values()) {
      let size = 0;
      for (const keys of times.values()) size += keys.length;
      for (const time of [...times.keys()].sort((a, b) => a - b)) {
        if (times.size <= 1 || (times.size <= this.limits.windowsKept && size <= this.limits.maxPointsPerMeasurement)) break;
        const keys = times.get(time)!;
        for (const key of keys) this.points.delete(key);
        size -= keys.length;
        times.delete(time);
      }
    }
  }
}
