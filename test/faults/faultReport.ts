import { appendFileSync } from 'node:fs';

/** One row of the `npm run test:faults` table: what a fault scenario sent, and what it found. */
export interface FaultReportRow {
  readonly scenario: string;
  /** Records sent to the source topic. */
  readonly sent: number;
  /** Events counted in windows in the final output (the sum of `error_rates` totals). */
  readonly counted: number;
  /** Invalid records (dead-lettered). */
  readonly invalid: number;
  /** Late records. */
  readonly late: number;
  /** Windows (partition × window start) compared with the clean run or the reference. */
  readonly windowsCompared: number;
  /** Windows that differ, plus dead letters and file lines lost or duplicated. */
  readonly mismatches: number;
}

/**
 * Appends the row, as one JSON line, to the file named by `CLICKFLOW_FAULT_REPORT`, which the
 * test runner sets and prints as a table at the end; without it the row is not kept.
 */
export function reportFault(row: FaultReportRow): void {
  const path = process.env.CLICKFLOW_FAULT_REPORT;
  if (path !== undefined && path !== '') appendFileSync(path, `${JSON.stringify(row)}\n`);
}
