import { isoTimeOrNull } from '../time/isoTimeOrNull.js';
import { formatRestartStrategy } from './RestartStrategy.js';
import type { JobRecord } from './ManagedJob.js';
import { redactArgs } from './redactArgs.js';
import { redactSpec } from './redactSpec.js';
import { invalidRecordsOf } from './snapshotOf.js';

/**
 * One line of `GET /jobs`. Its counters are the work done over every attempt: `recordsIn` is
 * records read, and counts again those a restart re-reads (the records of the windows still
 * open at the last commit), as Flink's numRecordsIn does; `consumerLag` says whether a job has
 * read everything.
 */
export function jobSummaryView(record: JobRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    state: record.state,
    submittedAt: record.submittedAt,
    startedAt: record.startedAt ?? null,
    restarts: record.restarts,
    recordsIn: record.metrics.recordsIn,
    pointsOut: record.metrics.pointsOut,
  };
}

/** `GET /jobs/:id`: everything about a job, secrets redacted. */
export function jobDetailView(record: JobRecord): Record<string, unknown> {
  const m = record.metrics;
  return {
    ...jobSummaryView(record),
    job: record.job,
    // How it was submitted: run's flags, or a spec (the other one null).
    args: record.args === undefined ? null : redactArgs(record.args),
    spec: record.spec === undefined ? null : redactSpec(record.spec),
    restart: formatRestartStrategy(record.restart),
    endedAt: record.endedAt ?? null,
    lateRecords: m.lateRecords,
    windowsFired: m.windowsFired,
    invalidRecords: invalidRecordsOf(m),
    invalidByReason: m.invalidByReason,
    watermarks: Object.fromEntries(
      Object.entries(m.watermarksMs).map(([p, ms]) => [p, isoTimeOrNull(ms)]),
    ),
    consumerLag: m.consumerLag,
    lastError: record.lastError === undefined ? null : { name: record.lastError.name, message: record.lastError.message, retriable: record.lastError.retriable },
  };
}
