import type { AggregateFunction } from './AggregateFunction.js';
import type { PartitionCheckpoint } from './PartitionCheckpoint.js';
import { BoundedOutOfOrdernessWatermarks } from './BoundedOutOfOrdernessWatermarks.js';
import type { WindowAssigner } from './WindowAssigner.js';
import type { LateRecord, WindowResult } from './WindowResult.js';
import { windowStart } from './windowStart.js';

/** What one partition's windows need to know; validated once by {@link windowAggregate}. */
export interface PartitionWindowsConfig<T, ACC, OUT> {
  readonly windows: WindowAssigner;
  readonly eventTimeOf: (record: T) => number;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
  readonly aggregate: AggregateFunction<T, ACC, OUT>;
  readonly onLate: ((late: LateRecord<T>) => void) | undefined;
}

interface OpenWindow<ACC> {
  readonly startMs: number;
  readonly endMs: number;
  acc: ACC;
  /** How many times the window has fired; 0 while it waits for the watermark. */
  firings: number;
  /** Position of the window's first record: positions only grow within a partition. */
  readonly firstPosition: number;
}

/**
 * The event-time windows of one partition: its own watermark, its open windows, and the
 * rules of Flink's `WindowOperator` with an `EventTimeTrigger`:
 * - a record is added to each of its windows that is not yet past `end - 1 + allowedLateness`;
 * - a window fires when the watermark reaches `end - 1`, and again for every record that
 *   arrives after that but within the allowed lateness;
 * - its state is dropped when the watermark passes `end - 1 + allowedLateness`;
 * - a record accepted by none of its windows is late.
 *
 * Memory is the open windows and their accumulators, never the records.
 */
export class PartitionWindows<T, ACC, OUT> {
  readonly watermarks: BoundedOutOfOrdernessWatermarks;
  private readonly open = new Map<number, OpenWindow<ACC>>();
  /** The lowest watermark at which some window fires or is dropped: one compare per record. */
  private nextTimerMs = Infinity;
  /** The window the previous record went to; consecutive records mostly share it. */
  private recent: OpenWindow<ACC> | undefined;
  private lastPosition = -1;
  /** Records before this position are a replay after a restore: see {@link PartitionCheckpoint}. */
  private replayUntil = -Infinity;

  constructor(
    readonly partition: number,
    private readonly config: PartitionWindowsConfig<T, ACC, OUT>,
  ) {
    this.watermarks = new BoundedOutOfOrdernessWatermarks(config.maxOutOfOrdernessMs);
  }

  /**
   * Resumes from a checkpoint: the watermark is set to where it was, and records up to
   * `replayUntil` rebuild the open windows without emitting anything or counting as late.
   */
  restore(checkpoint: PartitionCheckpoint): void {
    this.watermarks.onEvent(checkpoint.maxTimestampMs);
    this.replayUntil = checkpoint.replayUntil;
  }

  /** One past the last position processed. */
  get nextPosition(): number {
    return this.lastPosition + 1;
  }

  /**
   * Notes that the source has read up to `endPosition` (exclusive) in this partition although
   * the records after the last processed one never reached the windows (e.g. invalid ones).
   */
  skipTo(endPosition: number): void {
    if (endPosition - 1 > this.lastPosition) this.lastPosition = endPosition - 1;
  }

  /** Number of windows holding state. */
  get openWindows(): number {
    return this.open.size;
  }

  /**
   * Adds records in partition order, appending every firing to `out`.
   * @param positions position of each record; when absent, positions continue from the last one
   * @returns how many of the records were late
   */
  process(records: readonly T[], positions: readonly number[] | undefined, out: WindowResult<OUT>[]): number {
    const { windows, eventTimeOf, allowedLatenessMs, aggregate, onLate } = this.config;
    const { sizeMs, slideMs, offsetMs } = windows;
    const tumbling = sizeMs === slideMs;
    const watermarks = this.watermarks;
    let late = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const timeMs = eventTimeOf(record);
      const position = positions === undefined ? this.lastPosition + 1 : positions[i]!;
      this.lastPosition = position;
      const watermarkMs = watermarks.watermarkMs;
      const replaying = position < this.replayUntil;
      let accepted = false;
      // Fast path for tumbling windows: most records fall in the window of the record before,
      // and a range check is far cheaper than the floating-point modulo of windowStart. The
      // cached window is still open: `advance` forgets it whenever windows fire or are dropped.
      const recent = this.recent;
      if (tumbling && recent !== undefined && timeMs >= recent.startMs && timeMs < recent.endMs) {
        const acc = aggregate.add(recent.acc, record);
        if (acc !== recent.acc) recent.acc = acc;
        accepted = true;
        if (recent.endMs - 1 <= watermarkMs && !replaying) this.fire(recent, out);
      } else {
        // Windows are visited from the latest start down, so once one is past its lateness all
        // earlier ones are too.
        for (let startMs = windowStart(timeMs, offsetMs, slideMs); startMs > timeMs - sizeMs; startMs -= slideMs) {
          const endMs = startMs + sizeMs;
          if (endMs - 1 + allowedLatenessMs <= watermarkMs) break;
          let window = this.recent;
          if (window === undefined || window.startMs !== startMs) {
            window = this.open.get(startMs);
            if (window === undefined) {
              // A window the restored watermark has passed fired before the restart.
              const firings = replaying && endMs - 1 <= watermarkMs ? 1 : 0;
              window = { startMs, endMs, acc: aggregate.createAccumulator(), firings, firstPosition: position };
              this.open.set(startMs, window);
              const timerMs = firings === 0 ? endMs - 1 : endMs - 1 + allowedLatenessMs;
              if (timerMs < this.nextTimerMs) this.nextTimerMs = timerMs;
            }
            this.recent = window;
          }
          const acc = aggregate.add(window.acc, record);
          if (acc !== window.acc) window.acc = acc;
          accepted = true;
          // Flink's EventTimeTrigger fires at once for a record whose window the watermark has
          // already passed: the re-emission within the allowed lateness.
          if (endMs - 1 <= watermarkMs && !replaying) this.fire(window, out);
        }
      }
      if (!accepted && !replaying) {
        late++;
        onLate?.({ record, partition: this.partition, position, eventTimeMs: timeMs, watermarkMs });
      }
      if (watermarks.onEvent(timeMs) && watermarks.watermarkMs >= this.nextTimerMs) {
        this.advance(watermarks.watermarkMs, out);
      }
    }
    return late;
  }

  /** End of input: fires every window that has not fired, oldest first, and drops all state. */
  flush(out: WindowResult<OUT>[]): void {
    this.advance(Infinity, out);
  }

  /**
   * The lowest position held by a window that may still fire; one past the last position
   * when none is open. Records before it have all had their final firing.
   */
  safePosition(): number {
    let safe = this.lastPosition + 1;
    for (const window of this.open.values()) {
      if (window.firstPosition < safe) safe = window.firstPosition;
    }
    return safe;
  }

  private fire(window: OpenWindow<ACC>, out: WindowResult<OUT>[]): void {
    out.push({
      partition: this.partition,
      startMs: window.startMs,
      endMs: window.endMs,
      value: this.config.aggregate.getResult(window.acc),
      firing: window.firings++,
    });
  }

  /** Fires the windows the watermark has reached and drops those past their lateness. */
  private advance(watermarkMs: number, out: WindowResult<OUT>[]): void {
    const { allowedLatenessMs } = this.config;
    const due: OpenWindow<ACC>[] = [];
    for (const window of this.open.values()) {
      if (window.firings === 0 && window.endMs - 1 <= watermarkMs) due.push(window);
    }
    due.sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs);
    for (const window of due) this.fire(window, out);

    let next = Infinity;
    for (const [startMs, window] of this.open) {
      const cleanupMs = window.endMs - 1 + allowedLatenessMs;
      if (cleanupMs <= watermarkMs) {
        this.open.delete(startMs);
      } else {
        const timerMs = window.firings === 0 ? window.endMs - 1 : cleanupMs;
        if (timerMs < next) next = timerMs;
      }
    }
    this.nextTimerMs = next;
    this.recent = undefined;
  }
}
