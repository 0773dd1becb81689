import type { WindowedBatch } from '../operators/WindowResult.js';
import type { JobOutput } from './JobOutput.js';

/**
 * The {@link JobOutput} of one windowed batch: the lines a job wrote for its fired windows,
 * with the partition's progress carried over, so that the runtime can commit behind them.
 */
export function jobOutputOf(batch: WindowedBatch<unknown>, lines: readonly string[]): JobOutput {
  return {
    partition: batch.partition,
    lines,
    windowsFired: batch.results.length,
    lateRecords: batch.lateRecords,
    watermarkMs: batch.watermarkMs,
    maxTimestampMs: batch.maxTimestampMs,
    safePosition: batch.safePosition,
    nextPosition: batch.nextPosition,
  };
}
