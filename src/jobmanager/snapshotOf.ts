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
