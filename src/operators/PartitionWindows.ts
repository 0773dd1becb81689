import type { AggregateFunction } from './AggregateFunction.js';
import type { BoundedOutOfOrdernessWatermarks } from './BoundedOutOfOrdernessWatermarks.js';
import type { CarriedWatermarks } from './CarriedWatermarks.js';
import { PartitionState } from './PartitionState.js';
import type { RecordBatch } from './RecordBatch.js';
import type { Trigger } from './Trigger.js';
import type { AlignedWindowAssigner } from './WindowAssigner.js';
import type { WindowHealth } from './WindowHealth.js';
import type { LateRecord, WindowResult } from './WindowResult.js';
import { windowStart } from './windowStart.js';

/** What one partition's windows need to know; validated once by `windowAggregate`. */
export interface PartitionWindowsConfig<T, ACC, OUT, K> {
  readonly windows: AlignedWindowAssigner;
  readonly trigger: Trigger;
  readonly eventTimeOf: ((record: T) => number) | undefined;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
  /** For a keyed window, the aggregate is per key: `ACC` is then a Map from key to accumulator. */
  readonly aggregate: AggregateFunction<T, ACC, OUT>;
  /** Set for a keyed window: a fired window emits one result per key of its `Map` result. */
  readonly keyed: boolean;
  /** Whether the watermark comes with the batches (downstream of a move or a window) instead of from the records. */
  readonly carriedWatermark?: boolean;
  readonly onLate: ((late: LateRecord<T>) => void) | undefined;
  /** The wall clock of a firing's watermark lag. */
  readonly nowMs: () => number;
}

interface OpenWindow<ACC> {
  readonly startMs: number;
  readonly endMs: number;
  acc: ACC;
  /** Records added to the window. */
  records: number;
  /** How many times the window has fired; 0 while it waits for the watermark. */
  firings: number;
  /** Records it held at its last early firing. */
  earlyRecords: number;
  /** Position of the window's first record: positions only grow within a partition. */
  readonly firstPosition: number;
}

/**
 * The aligned (tumbling or hopping) event-time windows of one partition, under the rules of
 * Flink's `WindowOperator`:
 * - a record is added to each of its windows that is not yet past `end - 1 + allowedLateness`;
 * - a window fires when its trigger says so (by default when the watermark reaches `end - 1`,
 *   and again for every record that arrives after that but within the allowed lateness);
 * - its state is dropped when the watermark passes `end - 1 + allowedLateness`;
 * - a record accepted by none of its windows is late.
 *
 * Memory is the open windows and their accumulators, never the records.
 */
export class PartitionWindows<T, ACC, OUT, K> extends PartitionState<T, OUT, K> {
  private readonly open = new Map<number, OpenWindow<ACC>>();
  /** The lowest watermark at which some window fires or is dropped: one compare per record. */
  private nextTimerMs = Infinity;
  /** The window the previous record went to; consecutive records mostly share it. */
  private recent: OpenWindow<ACC> | undefined;

  constructor(
    partition: number,
    private readonly config: PartitionWindowsConfig<T, ACC, OUT, K>,
  ) {
    super(partition, config.maxOutOfOrdernessMs, config.nowMs, config.carriedWatermark);
  }

  /** Number of windows holding state. */
  get openWindows(): number {
    return this.open.size;
  }

  process(batch: RecordBatch<T>, out: WindowResult<OUT, K>[]): number {
    const { windows, trigger, eventTimeOf, allowedLatenessMs, aggregate, onLate } = this.config;
    const { records, positions, timestampsMs, raws, recordWatermarksMs } = batch;
    const replayedBefore = batch.replayedBefore ?? -Infinity;
    const { sizeMs, slideMs, offsetMs } = windows;
    const tumbling = sizeMs === slideMs;
    const watermarks = this.watermarks;
    const health = this.health;
    // Over the source after a filter that dropped records: the source's watermark, which they moved too.
    const sourceWatermarksMs = this.config.carriedWatermark === true ? undefined : recordWatermarksMs;
    health.startBatch(batch.invalidPositions);
    let late = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (sourceWatermarksMs !== undefined && sourceWatermarksMs[i]! > watermarks.watermarkMs) this.followSource(sourceWatermarksMs[i]!, out);
      const timeMs = timestampsMs === undefined ? eventTimeOf!(record) : timestampsMs[i]!;
      const position = positions === undefined ? this.lastPosition + 1 : positions[i]!;
      this.lastPosition = position;
      const watermarkMs = watermarks.watermarkMs;
      // Whether a window still takes the record: by its writer's watermark when it came through a move.
      const lateBoundMs = recordWatermarksMs === undefined ? watermarkMs : Math.max(watermarkMs, recordWatermarksMs[i]!);
      const replaying = position < replayedBefore;
      let accepted = false;
      // Fast path for tumbling windows: most records fall in the window of the record before,
      // and a range check is far cheaper than the floating-point modulo of windowStart. The
      // cached window is still open: `advance` forgets it whenever windows fire or are dropped.
      const recent = this.recent;
      if (tumbling && recent !== undefined && timeMs >= recent.startMs && timeMs < recent.endMs && recent.endMs - 1 + allowedLatenessMs > lateBoundMs) {
        const acc = aggregate.add(recent.acc, record);
        if (acc !== recent.acc) recent.acc = acc;
        recent.records++;
        accepted = true;
        if (!replaying && trigger.onElement(recent, watermarkMs)) this.fire(recent, out, watermarkMs);
      } else {
        // Windows are visited from the latest start down, so once one is past its lateness all
        // earlier ones are too.
        for (let startMs = windowStart(timeMs, offsetMs, slideMs); startMs > timeMs - sizeMs; startMs -= slideMs) {
          const endMs = startMs + sizeMs;
          if (endMs - 1 + allowedLatenessMs <= lateBoundMs) break;
          let window = this.recent;
          if (window === undefined || window.startMs !== startMs) {
            window = this.open.get(startMs);
            if (window === undefined) {
              window = { startMs, endMs, acc: aggregate.createAccumulator(), records: 0, firings: 0, earlyRecords: 0, firstPosition: position };
              // A window the restored watermark has passed fired before the restart.
              if (replaying && trigger.fireAtMs(window) <= watermarkMs) window.firings = 1;
              this.open.set(startMs, window);
              const timerMs = window.firings === 0 ? trigger.fireAtMs(window) : endMs - 1 + allowedLatenessMs;
              if (timerMs < this.nextTimerMs) this.nextTimerMs = timerMs;
            }
            this.recent = window;
          }
          const acc = aggregate.add(window.acc, record);
          if (acc !== window.acc) window.acc = acc;
          window.records++;
          accepted = true;
          // Flink's EventTimeTrigger fires at once for a record whose window the watermark has
          // already passed: the re-emission within the allowed lateness.
          if (!replaying && trigger.onElement(window, watermarkMs)) this.fire(window, out, watermarkMs);
        }
      }
      if (!accepted && !replaying) {
        late++;
        health.late(watermarkMs - timeMs);
        onLate?.({ record, raw: raws?.[i], partition: this.partition, position, eventTimeMs: timeMs, watermarkMs });
      }
      if (watermarks.onEvent(timeMs) && watermarks.watermarkMs >= this.nextTimerMs) {
        this.advance(watermarks.watermarkMs, out, watermarkMs);
      }
    }
    if (this.config.carriedWatermark !== true && batch.watermarkMs !== undefined) this.followSource(batch.watermarkMs, out);
    health.endBatch();
    return late;
  }

  /** Brings the watermark up to the source's, firing what it reaches. */
  private followSource(sourceWatermarkMs: number, out: WindowResult<OUT, K>[]): void {
    const watermarks = this.watermarks as BoundedOutOfOrdernessWatermarks;
    const beforeMs = watermarks.watermarkMs;
    if (watermarks.advanceTo(sourceWatermarkMs) && sourceWatermarkMs >= this.nextTimerMs) this.advance(sourceWatermarkMs, out, beforeMs);
  }

  onWatermark(watermarkMs: number, out: WindowResult<OUT, K>[]): void {
    const beforeMs = this.watermarks.watermarkMs;
    if ((this.watermarks as CarriedWatermarks).advanceTo(watermarkMs) && watermarkMs >= this.nextTimerMs) this.advance(watermarkMs, out, beforeMs);
  }

  fireEarly(out: WindowResult<OUT, K>[]): void {
    const due: OpenWindow<ACC>[] = [];
    for (const window of this.open.values()) {
      if (window.firings === 0 && window.records > window.earlyRecords) due.push(window);
    }
    due.sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs);
    const watermarkMs = this.watermarks.watermarkMs;
    for (const window of due) {
      window.earlyRecords = window.records;
      this.emit(window, out, watermarkMs, window.firings, this.health.peek(window.records, watermarkMs), true);
    }
  }

  flush(out: WindowResult<OUT, K>[]): void {
    this.advance(Infinity, out, this.watermarks.watermarkMs);
  }

  safePosition(): number {
    let safe = this.lastPosition + 1;
    for (const window of this.open.values()) {
      if (window.firstPosition < safe) safe = window.firstPosition;
    }
    return safe;
  }

  /** @param watermarkMs the watermark the firing happened under (see `WindowResult.watermarkMs`) */
  private fire(window: OpenWindow<ACC>, out: WindowResult<OUT, K>[], watermarkMs: number): void {
    const firing = window.firings++;
    // The record that caused the firing is the last one processed.
    this.emit(window, out, watermarkMs, firing, this.health.take(window.records, this.lastPosition, this.watermarks.watermarkMs), false);
  }

  /** The window's result (one per key of a keyed window) as a firing numbered `firing`. */
  private emit(window: OpenWindow<ACC>, out: WindowResult<OUT, K>[], watermarkMs: number, firing: number, health: WindowHealth, early: boolean): void {
    const value = this.config.aggregate.getResult(window.acc);
    const { partition } = this;
    const { startMs, endMs } = window;
    if (this.config.keyed) {
      for (const [key, keyValue] of value as Map<K, OUT>) {
        out.push(early ? { partition, key, startMs, endMs, value: keyValue, firing, watermarkMs, health, early } : { partition, key, startMs, endMs, value: keyValue, firing, watermarkMs, health });
      }
    } else {
      out.push(early ? { partition, key: undefined as K, startMs, endMs, value, firing, watermarkMs, health, early } : { partition, key: undefined as K, startMs, endMs, value, firing, watermarkMs, health });
    }
  }

  /** Fires the windows whose trigger time the watermark has reached and drops those past their lateness. */
  private advance(watermarkMs: number, out: WindowResult<OUT, K>[], beforeMs: number): void {
    const { allowedLatenessMs, trigger } = this.config;
    const due: OpenWindow<ACC>[] = [];
    for (const window of this.open.values()) {
      if (window.firings === 0 && trigger.fireAtMs(window) <= watermarkMs) due.push(window);
    }
    due.sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs);
    for (const window of due) this.fire(window, out, beforeMs);

    let next = Infinity;
    for (const [startMs, window] of this.open) {
      const cleanupMs = window.endMs - 1 + allowedLatenessMs;
      if (cleanupMs <= watermarkMs) {
        this.open.delete(startMs);
      } else {
        const timerMs = window.firings === 0 ? trigger.fireAtMs(window) : cleanupMs;
        if (timerMs < next) next = timerMs;
      }
    }
    this.nextTimerMs = next;
    this.recent = undefined;
  }
}
