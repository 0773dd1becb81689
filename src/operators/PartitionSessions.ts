import type { AggregateFunction } from './AggregateFunction.js';
import { BoundedOutOfOrdernessWatermarks } from './BoundedOutOfOrdernessWatermarks.js';
import type { CarriedWatermarks } from './CarriedWatermarks.js';
import { keyOfIdentity } from './keyIdentity.js';
import type { PartitionCheckpoint } from './PartitionCheckpoint.js';
import { PartitionState } from './PartitionState.js';
import type { RecordBatch } from './RecordBatch.js';
import { SessionTable } from './SessionTable.js';
import { TimerQueue } from './TimerQueue.js';
import type { TimeWindow, Trigger } from './Trigger.js';
import type { SessionWindowAssigner } from './WindowAssigner.js';
import type { LateRecord, WindowResult } from './WindowResult.js';

/** What one partition's sessions need to know; validated once by `windowAggregate`. */
export interface PartitionSessionsConfig<T, ACC, OUT, K> {
  readonly windows: SessionWindowAssigner;
  readonly trigger: Trigger;
  readonly eventTimeOf: ((record: T) => number) | undefined;
  readonly keyOf: (record: T) => K;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
  readonly aggregate: AggregateFunction<T, ACC, OUT>;
  readonly onLate: ((late: LateRecord<T>) => void) | undefined;
  /** The wall clock of a firing's watermark lag. */
  readonly nowMs: () => number;
  /** Whether the watermark comes with the batches (downstream of a move or a window) instead of from the records. */
  readonly carriedWatermark?: boolean;
}

/**
 * The event-time session windows of one partition, per key, under the rules of Flink's
 * `WindowOperator` with merging windows:
 * - a record at `t` makes a window `[t, t + gap)`, merged with every session of its key that
 *   it touches (Flink's `TimeWindow.intersects`: bounds may meet); the accumulators merge;
 * - a merged session whose `end - 1 + allowedLateness` the watermark has passed takes no
 *   record: the record is late;
 * - a session fires when its trigger says so (by default when the watermark reaches
 *   `end - 1`, and again for a record that extends or joins it within the allowed lateness);
 * - its state is dropped when the watermark passes `end - 1 + allowedLateness`.
 *
 * Sessions are slots of a {@link SessionTable}, not objects. Timers sit in a heap, one per
 * session, so a watermark step costs O(log n) per due session, not a scan; so do the sessions'
 * replay positions, so that `safePosition` is not a scan either.
 *
 * Restores differ from aligned windows: whether a record joins a session depends on the
 * watermark when it arrived, not only on the session's end (its own window `[t, t + gap)` may be
 * behind the final watermark while the session it grew is not). So a replay does not hold the
 * watermark at the checkpoint's: it re-derives it record by record, and `safePosition` reaches
 * back to the record that held the highest event time when the oldest session began (when its
 * first record was behind it), so that the replay sees the same watermark at every record as the
 * first run did. Firings during the replay are silent (they were written before); at its end the
 * checkpoint's watermark applies. One case stays approximate: after a restore that did not
 * re-read the record holding the restored maximum (no session was open), a session begun behind
 * that maximum, before any newer one, is replayed from its own first record.
 */
export class PartitionSessions<T, ACC, OUT, K> extends PartitionState<T, OUT, K> {
  private readonly table = new SessionTable<K, ACC>();
  /**
   * Each key's open sessions, as slots of {@link table}: the slot itself while it is the key's
   * only session (nearly always), else a list of slots.
   */
  private readonly sessions = new Map<K, number | number[]>();
  private readonly timers = new TimerQueue<number>();
  /** Each live session's replay position (it only falls); entries of dead sessions or older values are skipped. */
  private replayFroms = new TimerQueue<number>();
  private sequence = 0;
  /** What a trigger is shown of a session: its bounds, valid during the call. */
  private readonly window = { startMs: 0, endMs: 0 };
  /** Position of the record that set the highest event time; undefined while unknown (after a restore). */
  private maxPosition: number | undefined;
  /** While replaying after a restore: the watermark the first run had at each replayed record. */
  private replay: { readonly watermarks: BoundedOutOfOrdernessWatermarks; maxPosition: number | undefined } | undefined;

  constructor(
    partition: number,
    private readonly config: PartitionSessionsConfig<T, ACC, OUT, K>,
  ) {
    super(partition, config.maxOutOfOrdernessMs, config.nowMs, config.carriedWatermark);
  }

  override restore(checkpoint: PartitionCheckpoint): void {
    super.restore(checkpoint);
    this.replay = { watermarks: new BoundedOutOfOrdernessWatermarks(this.config.maxOutOfOrdernessMs), maxPosition: undefined };
    this.maxPosition = undefined;
  }

  process(batch: RecordBatch<T>, out: WindowResult<OUT, K>[]): number {
    const { windows, trigger, eventTimeOf, keyOf, allowedLatenessMs, aggregate, onLate } = this.config;
    const { records, positions, timestampsMs, raws, recordWatermarksMs } = batch;
    const table = this.table;
    const replayedBefore = batch.replayedBefore ?? -Infinity;
    const gapMs = windows.gapMs;
    // After a move, each record is judged by its writer's watermark. Over the source, sessions
    // keep the watermark of their own records, even after a filter: replaying from a session's
    // first record must rebuild the same watermark, and the source's could come from records
    // the filter dropped before it.
    const writerWatermarksMs = this.config.carriedWatermark === true ? recordWatermarksMs : undefined;
    this.health.startBatch(batch.invalidPositions);
    let late = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const timeMs = timestampsMs === undefined ? eventTimeOf!(record) : timestampsMs[i]!;
      const position = positions === undefined ? this.lastPosition + 1 : positions[i]!;
      this.lastPosition = position;
      const replaying = position < replayedBefore;
      if (!replaying && this.replay !== undefined) this.endReplay();
      const replay = this.replay;
      const watermarks = replay === undefined ? this.watermarks : replay.watermarks;
      const watermarkMs = watermarks.watermarkMs;
      const holder = replay === undefined ? this.maxPosition : replay.maxPosition;
      const key = keyOf(record);
      const entry = this.sessions.get(key);
      let startMs = timeMs;
      let endMs = timeMs + gapMs;
      let touching = 0;
      let touched = -1;
      const count = entry === undefined ? 0 : typeof entry === 'number' ? 1 : entry.length;
      for (let j = 0; j < count; j++) {
        const slot = typeof entry === 'number' ? entry : entry![j]!;
        const sessionStartMs = table.startMs(slot);
        const sessionEndMs = table.endMs(slot);
        if (sessionStartMs <= endMs && sessionEndMs >= startMs) {
          touching++;
          touched = j;
          if (sessionStartMs < startMs) startMs = sessionStartMs;
          if (sessionEndMs > endMs) endMs = sessionEndMs;
        }
      }
      // Existing sessions are never past their lateness (they would have been dropped), so
      // only a record that touches none can be late.
      if (touching === 0 && endMs - 1 + allowedLatenessMs <= (writerWatermarksMs === undefined ? watermarkMs : Math.max(watermarkMs, writerWatermarksMs[i]!))) {
        if (!replaying) {
          late++;
          this.health.late(watermarkMs - timeMs);
          onLate?.({ record, raw: raws?.[i], partition: this.partition, position, eventTimeMs: timeMs, watermarkMs });
        }
      } else {
        // A record at or above the highest time so far needs nothing before it to be replayed exactly.
        const replayFrom = timeMs >= watermarks.maxTimestampMs || holder === undefined || holder > position ? position : holder;
        const slot = this.join(key, entry, touching, touched, startMs, endMs, replayFrom, watermarkMs);
        const acc = table.acc(slot);
        const added = aggregate.add(acc, record);
        if (added !== acc) table.setAcc(slot, added);
        table.addRecords(slot, 1);
        // A replayed firing was written before the restart: only its number moves on.
        if (trigger.onElement(this.windowOf(slot), watermarkMs)) this.fire(slot, replay === undefined ? out : undefined, watermarkMs);
      }
      if (replay !== undefined) {
        // The restored maximum stays what the partition reports; the replay's own decides.
        this.watermarks.onEvent(timeMs);
        if (replay.watermarks.onEvent(timeMs)) {
          replay.maxPosition = position;
          if (replay.watermarks.watermarkMs >= this.timers.peekTimeMs()) this.advance(replay.watermarks.watermarkMs, undefined, watermarkMs);
        }
      } else if (watermarks.onEvent(timeMs)) {
        this.maxPosition = position;
        if (watermarks.watermarkMs >= this.timers.peekTimeMs()) this.advance(watermarks.watermarkMs, out, watermarkMs);
      }
    }
    this.health.endBatch();
    return late;
  }

  onWatermark(watermarkMs: number, out: WindowResult<OUT, K>[]): void {
    const beforeMs = this.watermarks.watermarkMs;
    if ((this.watermarks as CarriedWatermarks).advanceTo(watermarkMs) && watermarkMs >= this.timers.peekTimeMs()) this.advance(watermarkMs, out, beforeMs);
  }

  /** Sessions never fire early: a session shown early may merge into another, whose result would not replace it. */
  fireEarly(): void {}

  flush(out: WindowResult<OUT, K>[]): void {
    if (this.replay !== undefined) this.endReplay();
    this.advance(Infinity, out, this.watermarks.watermarkMs);
  }

  safePosition(): number {
    const queue = this.replayFroms;
    while (queue.size > 0) {
      const slot = queue.peekItem();
      if (this.table.isLive(slot) && this.table.replayFrom(slot) === queue.peekTimeMs()) break;
      queue.pop();
    }
    return Math.min(this.lastPosition + 1, queue.peekTimeMs());
  }

  /**
   * The replay is over: the checkpoint's watermark applies, silently (what it fired or dropped was
   * before the restart). The record holding the highest time is known if the replay read it.
   */
  private endReplay(): void {
    const replay = this.replay!;
    this.replay = undefined;
    this.maxPosition = replay.watermarks.maxTimestampMs === this.watermarks.maxTimestampMs ? replay.maxPosition : undefined;
    if (this.watermarks.watermarkMs >= this.timers.peekTimeMs()) this.advance(this.watermarks.watermarkMs, undefined, this.watermarks.watermarkMs);
  }

  /** The bounds of the session in `slot`, as the trigger reads them. */
  private windowOf(slot: number): TimeWindow {
    const window = this.window;
    window.startMs = this.table.startMs(slot);
    window.endMs = this.table.endMs(slot);
    return window;
  }

  /**
   * The session `[startMs, endMs)` of `key`, made of the `touching` sessions of `entry` it covers
   * (the last of them at `touched`), merged. The joined session goes last in the key's list.
   */
  private join(
    key: K,
    entry: number | number[] | undefined,
    touching: number,
    touched: number,
    startMs: number,
    endMs: number,
    replayFrom: number,
    watermarkMs: number,
  ): number {
    const table = this.table;
    let merged = -1;
    if (touching <= 1) {
      // Most records: a new session or one that grows, updated in place, no list rebuilt.
      if (touching === 1) {
        if (typeof entry === 'number') {
          merged = entry;
        } else {
          merged = entry![touched]!;
          if (touched !== entry!.length - 1) {
            entry!.splice(touched, 1);
            entry!.push(merged);
          }
        }
      } else {
        merged = this.newSession(key, startMs, endMs, replayFrom);
        if (entry === undefined) this.sessions.set(key, merged);
        else if (typeof entry === 'number') this.sessions.set(key, [entry, merged]);
        else entry.push(merged);
      }
      return this.grown(merged, startMs, endMs, replayFrom, watermarkMs);
    }
    // Two or more sessions touched: the key has a list.
    const { aggregate } = this.config;
    const kept: number[] = [];
    for (const slot of entry as number[]) {
      if (table.startMs(slot) > endMs || table.endMs(slot) < startMs) {
        kept.push(slot);
      } else if (merged === -1) {
        merged = slot;
      } else {
        const [first, second] = table.startMs(merged) <= table.startMs(slot) ? [merged, slot] : [slot, merged];
        // windowAggregate refused an aggregate that cannot merge when it was built.
        table.setAcc(first, aggregate.merge!(table.acc(first), table.acc(second)));
        table.addRecords(first, table.records(second));
        table.setFirings(first, Math.max(table.firings(first), table.firings(second)));
        if (table.replayFrom(second) < table.replayFrom(first)) {
          table.setReplayFrom(first, table.replayFrom(second));
          this.pushReplayFrom(table.replayFrom(first), first);
        }
        table.release(second);
        merged = first;
      }
    }
    kept.push(merged);
    this.store(key, kept);
    return this.grown(merged, startMs, endMs, replayFrom, watermarkMs);
  }

  private newSession(key: K, startMs: number, endMs: number, replayFrom: number): number {
    const slot = this.table.open(key, this.config.aggregate.createAccumulator(), startMs, endMs, replayFrom, this.sequence++);
    this.pushReplayFrom(replayFrom, slot);
    return slot;
  }

  /** The session now spans `[startMs, endMs)`: its replay position and its timer follow. */
  private grown(slot: number, startMs: number, endMs: number, replayFrom: number, watermarkMs: number): number {
    const table = this.table;
    table.setBounds(slot, startMs, endMs);
    if (replayFrom < table.replayFrom(slot)) {
      table.setReplayFrom(slot, replayFrom);
      this.pushReplayFrom(replayFrom, slot);
    }
    const fireAtMs = this.config.trigger.fireAtMs(this.windowOf(slot));
    const armed = fireAtMs > watermarkMs;
    table.setArmed(slot, armed);
    this.schedule(slot, armed ? fireAtMs : endMs - 1 + this.config.allowedLatenessMs);
    return slot;
  }

  /**
   * Queues a session's replay position. Entries of sessions that merged or expired are skipped
   * only when they reach the top, so while one old session stays open they would pile up: the
   * queue is rebuilt from the live sessions when they are outnumbered. After a move through an
   * internal topic, positions are that topic's offsets, which a restore re-reads from the first
   * one an open session holds.
   */
  private pushReplayFrom(replayFrom: number, slot: number): void {
    this.replayFroms.push(replayFrom, slot);
    if (this.replayFroms.size <= 2 * this.table.live + 1_024) return;
    const rebuilt = new TimerQueue<number>();
    for (const entry of this.sessions.values()) {
      if (typeof entry === 'number') rebuilt.push(this.table.replayFrom(entry), entry);
      else for (const live of entry) rebuilt.push(this.table.replayFrom(live), live);
    }
    // A new session is not in its key's list yet; a second entry of one that is costs nothing.
    rebuilt.push(this.table.replayFrom(slot), slot);
    this.replayFroms = rebuilt;
  }

  /** Makes sure the session's timer pops by `timeMs`: a later one already queued is pushed again when it pops. */
  private schedule(slot: number, timeMs: number): void {
    if (timeMs >= this.table.queuedMs(slot)) return;
    this.table.setQueuedMs(slot, timeMs);
    this.timers.push(timeMs, slot);
  }

  /**
   * Emits the session's result to `out`; without `out` (a replay) only counts the firing.
   * @param watermarkMs the watermark the firing happened under (see `WindowResult.watermarkMs`)
   */
  private fire(slot: number, out: WindowResult<OUT, K>[] | undefined, watermarkMs: number): void {
    const table = this.table;
    const firing = table.firings(slot);
    table.setFirings(slot, firing + 1);
    if (out === undefined) return;
    out.push({
      partition: this.partition,
      key: keyOfIdentity<K>(table.key(slot)),
      startMs: table.startMs(slot),
      endMs: table.endMs(slot),
      value: this.config.aggregate.getResult(table.acc(slot)),
      firing,
      watermarkMs,
      health: this.health.take(table.records(slot), this.lastPosition, this.watermarks.watermarkMs),
    });
  }

  /** Fires the armed sessions the watermark has reached, oldest first, and drops those past their lateness. */
  private advance(watermarkMs: number, out: WindowResult<OUT, K>[] | undefined, beforeMs: number): void {
    const { trigger, allowedLatenessMs } = this.config;
    const table = this.table;
    const due: number[] = [];
    const expired: number[] = [];
    while (this.timers.size > 0 && this.timers.peekTimeMs() <= watermarkMs) {
      const timeMs = this.timers.peekTimeMs();
      const slot = this.timers.pop();
      // Merged away, dropped, or an entry a sooner one replaced.
      if (!table.isLive(slot) || timeMs !== table.queuedMs(slot)) continue;
      table.setQueuedMs(slot, Infinity);
      const fireAtMs = trigger.fireAtMs(this.windowOf(slot));
      if (table.isArmed(slot) && fireAtMs <= watermarkMs) {
        table.setArmed(slot, false);
        due.push(slot);
      }
      const cleanupMs = table.endMs(slot) - 1 + allowedLatenessMs;
      if (cleanupMs <= watermarkMs) {
        expired.push(slot);
      } else {
        // Its end moved on since this timer was set: the next time it needs.
        this.schedule(slot, table.isArmed(slot) ? fireAtMs : cleanupMs);
      }
    }
    if (due.length > 1) due.sort((a, b) => table.endMs(a) - table.endMs(b) || table.startMs(a) - table.startMs(b) || table.sequence(a) - table.sequence(b));
    for (const slot of due) this.fire(slot, out, beforeMs);
    for (const slot of expired) {
      const key = table.key(slot);
      const entry = this.sessions.get(key);
      if (entry === slot) this.sessions.delete(key);
      else if (typeof entry === 'object') this.store(key, entry.filter((s) => s !== slot));
      table.release(slot);
    }
  }

  /** Holds `list` as the key's sessions: nothing when it is empty, the slot itself when it is alone. */
  private store(key: K, list: number[]): void {
    if (list.length === 0) this.sessions.delete(key);
    else this.sessions.set(key, list.length === 1 ? list[0]! : list);
  }
}
