import type { JobHandle } from '../runtime/JobHandle.js';
import type { JobMetricsSnapshot } from './WorkerMessage.js';

/** The handle's counters in the form the job manager's metrics take. */
export function snapshotOf(handle: JobHandle): JobMetricsSnapshot {
  const m = handle.metrics;
  return {
    recordsIn: m.recordsIn,
    pointsOut: m.pointsOut,
    lateRecords: m.lateRecords,
    windowsFired: m.windowsFired,
    invalidByReason: { ...m.invalidByReason },
    watermarksMs: Object.fromEntries(m.watermarks),
    consumerLag: Object.fromEntries(m.consumerLag),
    sinkWriteSeconds: m.takeSinkWriteSeconds(),
    sinkRetries: m.sinkRetries,
  };
}

/** Invalid records over every reason. */
export function invalidRecordsOf(snapshot: Pick<JobMetricsSnapshot, 'invalidByReason'>): number {
  let total = 0;
  for (const n of Object.values(snapshot.invalidByReason)) total += n;
  return total;
}

/** How far each partition's watermark is behind `nowMs`, in seconds; partitions without one yet are left out. */
export function watermarkLagSecondsOf(watermarksMs: JobMetricsSnapshot['watermarksMs'], nowMs: number): Record<string, number> {
  const lag: Record<string, number> = {};
  for (const [partition, ms] of Object.entries(watermarksMs)) {
    if (Number.isFinite(ms)) lag[partition] = (nowMs - ms) / 1000;
  }
  return lag;
}
