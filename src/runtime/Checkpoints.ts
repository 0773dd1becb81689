import { ClickflowError } from '../errors/ClickflowError.js';
import type { JobOutput } from '../jobs/JobOutput.js';
import type { JobEvent } from './JobEvent.js';
import type { OutputMarks } from './OutputMarks.js';
import type { ResumableOutput } from './ResumableOutput.js';
import type { Source, SourceCommit } from './Source.js';

/** An output that is flushed before each commit. */
export interface FlushedOutput extends ResumableOutput {
  /** Rejects when the output failed between flushes: the job stops at once. */
  readonly failed?: Promise<never>;
  flush(): Promise<void>;
}

/**
 * A running job's checkpoints: the latest progress of each partition, and the flush of every
 * output before the commit that covers it. A crash between the two re-reads and rewrites the
 * same output, and never skips any.
 */
export class Checkpoints {
  private readonly pending = new Map<number, SourceCommit>();
  /** Internal partitions whose every writer has ended. */
  private readonly ended = new Set<number>();
  /** The outputs' lengths as they opened: what a partition committed at its start resumes with. */
  private readonly opened: OutputMarks['outputBytes'];

  constructor(
    private readonly source: Source,
    /** Moved records are flushed with the outputs: a commit covers what the job sent on, too. */
    private readonly outputs: readonly (FlushedOutput | undefined)[],
    private readonly log: (event: Extract<JobEvent, { type: 'log' }>) => void,
  ) {
    this.opened = outputMarks(outputs).outputBytes;
  }

  /**
   * The job's progress after one of its outputs: what the next commit of its partition stores.
   * Returns `true` when an internal topic's partition has just read the end of every writer's
   * input (a bounded run): a bounded run ends once such partitions are committed, so the commit
   * should not wait for the next interval.
   */
  progress(out: JobOutput): boolean {
    const { maxTimestampMs, nextPosition: replayUntil, moved } = out;
    this.pending.set(out.partition, {
      safePosition: out.safePosition,
      checkpoint: moved === undefined ? { maxTimestampMs, replayUntil } : { maxTimestampMs, replayUntil, moved },
    });
    if (moved === undefined || this.ended.has(out.partition) || !moved.writerWatermarksMs.every((ms) => ms === Infinity)) return false;
    this.ended.add(out.partition);
    return true;
  }

  /** The partition moved to another instance: its new owner commits it. */
  revoked(partition: number): void {
    this.pending.delete(partition);
    this.ended.delete(partition);
  }

  /**
   * Flushes every output, then commits what they hold. A periodic flush that fails with a
   * retriable error (a broker away) leaves its records buffered and skips the commit; the next
   * one tries again. The last one (`final`) has no next one: it throws, for the caller to retry.
   */
  async flushAndCommit(final: boolean): Promise<void> {
    // Taken together, between two batches: each output's length then holds exactly what the
    // snapshot's records produced, which is what a restart truncates a file back to.
    const snapshot = new Map(this.pending);
    const marks = outputMarks(this.outputs);
    // Checked again after each await, while batches go on: the flushes below start in the turn
    // of the last check, so that nothing of a partition without a commit is flushed.
    while (this.source.commitStarts !== undefined && (this.source.uncommittedStarts?.() ?? 0) > 0) {
      try {
        await this.source.commitStarts({ takenAtMs: Date.now(), outputBytes: this.opened });
      } catch (error) {
        // Only a passing failure skips a flush; nothing may go unflushed at the end (the caller
        // retries), and an unknown failure would skip every flush from now on.
        if (final || !(error instanceof ClickflowError && error.retriable)) throw error;
        this.log({ type: 'log', level: 'warn', message: `commit of where partitions started failed, not flushing; will retry with the next one: ${(error as Error).message}` });
        return;
      }
    }
    this.log({ type: 'log', level: 'debug', message: 'flushing outputs' });
    // allSettled, not all: a failing sink must not leave another's flush running into close().
    const flushed = await Promise.allSettled(this.outputs.map((output) => output?.flush()));
    for (const result of flushed) {
      if (result.status === 'fulfilled') continue;
      if (final || !(result.reason instanceof ClickflowError && result.reason.retriable)) throw result.reason;
      this.log({ type: 'log', level: 'warn', message: `flush failed, not committing; will retry with the next one: ${(result.reason as Error).message}` });
      return;
    }
    if (this.source.commit === undefined || snapshot.size === 0) return;
    try {
      await this.source.commit(snapshot, marks);
      this.log({ type: 'log', level: 'debug', message: 'committed', fields: { partitions: [...snapshot.keys()] } });
    } catch (error) {
      // A commit that fails for an unknown reason only costs a re-read after a restart. At
      // the end, a broker away for a while is waited for, so that a bounded run ends committed.
      if (error instanceof ClickflowError && (!error.retriable || final)) throw error;
      this.log({ type: 'log', level: 'warn', message: `commit failed, will retry with the next one: ${(error as Error).message}` });
    }
  }
}

/** The resumable outputs' lengths, now. */
function outputMarks(outputs: readonly (ResumableOutput | undefined)[]): OutputMarks {
  const outputBytes: Record<string, number> = {};
  for (const output of outputs) {
    if (output?.resumeKey !== undefined && output.bytesWritten !== undefined) outputBytes[output.resumeKey] = output.bytesWritten;
  }
  return { takenAtMs: Date.now(), outputBytes };
}
