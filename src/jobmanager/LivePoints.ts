import { DEFAULTS } from '../config/defaults.js';
import type { PointData } from '../points/PointData.js';

/** Limits of a {@link LivePoints}; defaults in `DEFAULTS.jobManager.live`. */
export interface LivePointsLimits {
  readonly windowsKept: number;
  readonly maxPointsPerMeasurement: number;
}

/**
 * A point's identity: measurement, tags and time, as InfluxDB identifies a point. A window
 * fired again (within the allowed lateness) writes the same identities, so its new points
 * replace the old ones, on the page as in InfluxDB.
 */
export function pointKey(point: PointData): string {
  return JSON.stringify([point.measurement, point.tags, point.timeMs]);
}

/**
 * The newest points of one job, for its live page: a point replaces the one with the same
 * {@link pointKey}. Bounded per measurement: the oldest window starts go first once there are
 * more than `windowsKept` of them or more than `maxPointsPerMeasurement` points (the newest
 * window start always stays).
 */
export class LivePoints {
  /** measurement → time → key → point. */
  private readonly byMeasurement = new Map<string, { times: Map<number, Map<string, PointData>>; size: number }>();

  constructor(private readonly limits: LivePointsLimits = DEFAULTS.jobManager.live) {}

  /** Adds or replaces points; returns those kept (a point older than every kept window of a full measurement is not). */
  upsert(points: readonly PointData[]): PointData[] {
    const touched = new Set<string>();
    const keys = new Array<string>(points.length);
    for (let i = 0; i < points.length; i++) {
      const point = points[i]!;
      let measurement = this.byMeasurement.get(point.measurement);
      if (measurement === undefined) {
        measurement = { times: new Map(), size: 0 };
        this.byMeasurement.set(point.measurement, measurement);
      }
      let atTime = measurement.times.get(point.timeMs);
      if (atTime === undefined) {
        atTime = new Map();
        measurement.times.set(point.timeMs, atTime);
      }
      const key = (keys[i] = pointKey(point));
      if (!atTime.has(key)) measurement.size++;
      atTime.set(key, point);
      touched.add(point.measurement);
    }
    for (const name of touched) this.trim(this.byMeasurement.get(name)!);
    return points.filter((point, i) => this.byMeasurement.get(point.measurement)!.times.get(point.timeMs)?.get(keys[i]!) === point);
  }

  /** Every point kept, oldest window first within each measurement. */
  all(): PointData[] {
    const all: PointData[] = [];
    for (const { times } of this.byMeasurement.values()) {
      for (const time of [...times.keys()].sort((a, b) => a - b)) all.push(...times.get(time)!.values());
    }
    return all;
  }

  private trim(measurement: { times: Map<number, Map<string, PointData>>; size: number }): void {
    const { windowsKept, maxPointsPerMeasurement } = this.limits;
    if (measurement.times.size <= windowsKept && measurement.size <= maxPointsPerMeasurement) return;
    const oldestFirst = [...measurement.times.keys()].sort((a, b) => a - b);
    for (const time of oldestFirst) {
      if (measurement.times.size <= 1 || (measurement.times.size <= windowsKept && measurement.size <= maxPointsPerMeasurement)) return;
      measurement.size -= measurement.times.get(time)!.size;
      measurement.times.delete(time);
    }
  }
}
