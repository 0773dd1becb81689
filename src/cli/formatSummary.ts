import type { JobMetrics } from '../runtime/JobMetrics.js';

/** The one-line account a job prints on exit: what came in, what was refused, what went out. */
export function formatSummary(jobName: string, metrics: JobMetrics, elapsedMs: number): string {
  const invalid = Object.entries(metrics.invalidByReason)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(metrics.recordsIn / seconds) : metrics.recordsIn;
  return (
    `${jobName}: ${metrics.recordsIn} records in ${seconds.toFixed(2)}s (${rate}/s), ` +
    `${metrics.invalidRecords} invalid${invalid === '' ? '' : ` (${invalid})`}, ` +
    `${metrics.lateRecords} late, ${metrics.windowsFired} window firings, ${metrics.pointsOut} points out` +
    (metrics.recordsOut > 0 ? `, ${metrics.recordsOut} records out` : '')
  );
}
