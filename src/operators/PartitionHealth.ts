import { LateByHistogram } from './LateByHistogram.js';
import type { WindowHealth } from './WindowHealth.js';

/**
 * The late and invalid records of one partition since its previous firing, handed to the next
 * firing as its {@link WindowHealth}. Invalid records never reach the windows: the batch
 * carries their positions, and a firing caused by the record at position `p` takes those
 * before `p`; the rest wait for a later firing. Nothing is allocated per record.
 */
export class PartitionHealth {
  private lateRecords = 0;
  private invalidRecords = 0;
  private readonly lateBy = new LateByHistogram();
  private batchInvalid: readonly number[] | undefined;
  private nextInvalid = 0;
  /** The wall clock as read once for the current step; `undefined` outside a step or before its first firing. */
  private stepNowMs: number | undefined;
  private inStep = false;

  constructor(private readonly nowMs: () => number) {}

  /**
   * A step begins (one input batch, or the end of the input): its firings share one reading of
   * the wall clock. They happen within one synchronous call, milliseconds apart at most, and a
   * session job fires about once every three records: a reading (≈ 50 ns here) for each of them
   * bought no precision a lag in milliseconds could show.
   */
  startStep(): void {
    this.inStep = true;
    this.stepNowMs = undefined;
  }

  /** The step is over: a firing outside one reads the clock itself. */
  endStep(): void {
    this.inStep = false;
    this.stepNowMs = undefined;
  }

  /** A batch starts; `invalidPositions` are its refused records, ascending. */
  startBatch(invalidPositions: readonly number[] | undefined): void {
    this.batchInvalid = invalidPositions;
    this.nextInvalid = 0;
  }

  /** The batch is done: its invalid records not yet taken wait for the next firing. */
  endBatch(): void {
    const invalid = this.batchInvalid;
    if (invalid !== undefined) this.invalidRecords += invalid.length - this.nextInvalid;
    this.batchInvalid = undefined;
  }

  late(lateByMs: number): void {
    this.lateRecords++;
    this.lateBy.add(lateByMs);
  }

  /** The health so far, for an early firing: the counts stay for the on-time firing to take. */
  peek(records: number, watermarkMs: number): WindowHealth {
    return {
      records,
      lateRecords: this.lateRecords,
      invalidRecords: this.invalidRecords,
      watermarkLagMs: Number.isFinite(watermarkMs) ? Math.round(this.wallClockMs() - watermarkMs) : 0,
      lateByMaxMs: this.lateBy.maxMs,
      lateByP99Ms: this.lateBy.quantileMs(0.99),
    };
  }

  private wallClockMs(): number {
    if (!this.inStep) return this.nowMs();
    return (this.stepNowMs ??= this.nowMs());
  }

  /** The health of a firing caused by the record at `position` (`Infinity` at the end of input); resets the counts. */
  take(records: number, position: number, watermarkMs: number): WindowHealth {
    const invalid = this.batchInvalid;
    if (invalid !== undefined) {
      while (this.nextInvalid < invalid.length && invalid[this.nextInvalid]! < position) {
        this.nextInvalid++;
        this.invalidRecords++;
      }
    }
    const health = this.peek(records, watermarkMs);
    this.lateRecords = 0;
    this.invalidRecords = 0;
    this.lateBy.reset();
    return health;
  }
}
