import type { InvalidRecord } from '../events/InvalidRecord.js';
import type { RecordLine } from '../jobs/JobOutput.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import type { LateRecord } from '../operators/WindowResult.js';
import type { DeadLetterSink } from './DeadLetterSink.js';
import type { JobMetrics } from './JobMetrics.js';
import { lateRecordLine } from './lateRecordLine.js';
import type { LineSink } from './LineSink.js';

/**
 * Where a running job's records go besides its points: invalid records to the dead-letter
 * output, late records to the late output, and the lines of its record outputs (`toRecords`)
 * to theirs. An output that is not connected only counts.
 *
 * A rebalance makes the source re-read a partition from its last commit, and this process has
 * already routed some of those records: a restored partition's records up to the highest
 * position routed before the restore are not routed again. (Within one run, the replay of a
 * restore is not routed at all: see `markReplays`.)
 */
export class SideOutputs {
  private readonly highestRouted = new Map<number, number>();
  private readonly routedBeforeRestore = new Map<number, number>();

  constructor(
    private readonly metrics: JobMetrics,
    private readonly deadLetters: DeadLetterSink | undefined,
    private readonly lateOutput: LineSink | undefined,
    private readonly recordOutputs: ReadonlyMap<string, LineSink>,
  ) {}

  /** Takes note of a source batch before the job sees it: a restore starts a re-read. */
  sourceBatch(batch: RecordBatch<unknown>): void {
    if (batch.restore === undefined) return;
    const routed = this.highestRouted.get(batch.partition);
    if (routed !== undefined) this.routedBeforeRestore.set(batch.partition, routed);
  }

  readonly onInvalid = (record: InvalidRecord): void => {
    const { invalidByReason } = this.metrics;
    invalidByReason[record.reason] = (invalidByReason[record.reason] ?? 0) + 1;
    if (this.firstRouting(record.partition, record.position)) this.deadLetters?.write(record);
  };

  readonly onLate = (late: LateRecord<unknown>): void => {
    if (this.firstRouting(late.partition, late.position)) this.lateOutput?.write([lateRecordLine(late)]);
  };

  /** The lines of the job's record outputs, each to its output. */
  writeRecordLines(lines: readonly RecordLine[]): void {
    this.metrics.recordsOut += lines.length;
    if (this.recordOutputs.size === 0) return;
    // One write per output and batch: lines of one output are usually consecutive.
    let start = 0;
    for (let i = 1; i <= lines.length; i++) {
      if (i < lines.length && lines[i]!.output === lines[start]!.output) continue;
      this.recordOutputs.get(lines[start]!.output)?.write(lines.slice(start, i).map((l) => l.line));
      start = i;
    }
  }

  private firstRouting(partition: number, position: number): boolean {
    if (position <= (this.routedBeforeRestore.get(partition) ?? -Infinity)) return false;
    if (position > (this.highestRouted.get(partition) ?? -Infinity)) this.highestRouted.set(partition, position);
    return true;
  }
}
