import type { AggregateFunction } from './AggregateFunction.js';
import { BoundedOutOfOrdernessWatermarks } from './BoundedOutOfOrdernessWatermarks.js';
import type { CarriedWatermarks } from './CarriedWatermarks.js';
import { keyOfIdentity } from './keyIdentity.js';
import type { PartitionCheckpoint } from './PartitionCheckpoint.js';
import { PartitionState } from './PartitionState.js';
import type { RecordBatch } from './RecordBatch.js';
import { TimerQueue } from './TimerQueue.js';
import type { Trigger } from './Trigger.js';
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

interface Session<ACC, K> {
  readonly key: K;
  startMs: number;
  endMs: number;
  acc: ACC;
  /** Records in the session, merged ones included. */
  records: number;
  firings: number;
  /** Whether the trigger's timer is pending: the session fires when the watermark reaches it. */
  armed: boolean;
  /**
   * The time of its one timer in the queue that counts (`Infinity`: none). A session is queued
   * once, not once per record that moves its end: a later time waits until this one pops.
   */
  queuedMs: number;
  /**
   * Where a restore must start re-reading to rebuild this session exactly: its first position, or,
   * when that record was behind the partition's highest event time, the record that held it.
   */
  replayFrom: number;
  /** Creation order, which breaks ties between sessions firing at one watermark. */
  readonly sequence: number;
  /** False once merged away or dropped: its queued timers are then ignored. */
  live: boolean;
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
 * Timers sit in a heap, one per session, so a watermark step costs O(log n) per due session,
 * not a scan; so do the sessions' replay positions, so that `safePosition` is not a scan either.
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
  /**
   * Each key's open sessions: the session itself while it is the key's only one (nearly always),
   * else a list. Sessions live long enough to be promoted by the collector: one object less
   * per session is work every collection saves.
   */
  private readonly sessions = new Map<K, Session<ACC, K> | Session<ACC, K>[]>();
  private readonly timers = new TimerQueue<Session<ACC, K>>();
  /** Each live session's `replayFrom` (it only falls); entries of dead sessions or older values are skipped. */
  private replayFroms = new TimerQueue<Session<ACC, K>>();
  /** Sessions holding state: the queue of replay positions is rebuilt when dead entries outnumber them. */
  private liveSessions = 0;
  private sequence = 0;
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
      const count = entry === undefined ? 0 : Array.isArray(entry) ? entry.length : 1;
      for (let j = 0; j < count; j++) {
        const session = Array.isArray(entry) ? entry[j]! : entry!;
        if (session.startMs <= endMs && session.endMs >= startMs) {
          touching++;
          touched = j;
          if (session.startMs < startMs) startMs = session.startMs;
          if (session.endMs > endMs) endMs = session.endMs;
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
        const session = this.join(key, entry, touching, touched, startMs, endMs, replayFrom, watermarkMs);
        const acc = aggregate.add(session.acc, record);
        if (acc !== session.acc) session.acc = acc;
        session.records++;
        // A replayed firing was written before the restart: only its number moves on.
        if (trigger.onElement(session, watermarkMs)) this.fire(session, replay === undefined ? out : undefined, watermarkMs);
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
      const session = queue.peekItem();
      if (session.live && session.replayFrom === queue.peekTimeMs()) break;
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

  /**
   * The session `[startMs, endMs)` of `key`, made of the `touching` sessions of `list` it covers
   * (the last of them at `touched`), merged. The joined session goes last in the key's list.
   */
  private join(
    key: K,
    entry: Session<ACC, K> | Session<ACC, K>[] | undefined,
    touching: number,
    touched: number,
    startMs: number,
    endMs: number,
    replayFrom: number,
    watermarkMs: number,
  ): Session<ACC, K> {
    let merged: Session<ACC, K> | undefined;
    if (touching <= 1) {
      // Most records: a new session or one that grows, updated in place, no list rebuilt.
      if (touching === 1) {
        if (!Array.isArray(entry)) {
          merged = entry!;
        } else {
          merged = entry[touched]!;
          if (touched !== entry.length - 1) {
            entry.splice(touched, 1);
            entry.push(merged);
          }
        }
      } else {
        merged = this.newSession(key, startMs, endMs, replayFrom);
        if (entry === undefined) this.sessions.set(key, merged);
        else if (!Array.isArray(entry)) this.sessions.set(key, [entry, merged]);
        else entry.push(merged);
      }
      return this.grown(merged, startMs, endMs, replayFrom, watermarkMs);
    }
    // Two or more sessions touched: the key has a list.
    const { aggregate } = this.config;
    const kept: Session<ACC, K>[] = [];
    for (const session of entry as Session<ACC, K>[]) {
      if (session.startMs > endMs || session.endMs < startMs) {
        kept.push(session);
      } else if (merged === undefined) {
        merged = session;
      } else {
        const [first, second] = merged.startMs <= session.startMs ? [merged, session] : [session, merged];
        // windowAggregate refused an aggregate that cannot merge when it was built.
        first.acc = aggregate.merge!(first.acc, second.acc);
        first.records += second.records;
        first.firings = Math.max(first.firings, second.firings);
        if (second.replayFrom < first.replayFrom) {
          first.replayFrom = second.replayFrom;
          this.pushReplayFrom(first.replayFrom, first);
        }
        second.live = false;
        this.liveSessions--;
        merged = first;
      }
    }
    kept.push(merged!);
    this.store(key, kept);
    return this.grown(merged!, startMs, endMs, replayFrom, watermarkMs);
  }

  private newSession(key: K, startMs: number, endMs: number, replayFrom: number): Session<ACC, K> {
    const session: Session<ACC, K> = {
      key,
      startMs,
      endMs,
      acc: this.config.aggregate.createAccumulator(),
      records: 0,
      firings: 0,
      armed: false,
      queuedMs: Infinity,
      replayFrom,
      sequence: this.sequence++,
      live: true,
    };
    this.liveSessions++;
    this.pushReplayFrom(replayFrom, session);
    return session;
  }

  /** The session now spans `[startMs, endMs)`: its replay position and its timer follow. */
  private grown(session: Session<ACC, K>, startMs: number, endMs: number, replayFrom: number, watermarkMs: number): Session<ACC, K> {
    session.startMs = startMs;
    session.endMs = endMs;
    if (replayFrom < session.replayFrom) {
      session.replayFrom = replayFrom;
      this.pushReplayFrom(replayFrom, session);
    }
    const fireAtMs = this.config.trigger.fireAtMs(session);
    session.armed = fireAtMs > watermarkMs;
    this.schedule(session, session.armed ? fireAtMs : endMs - 1 + this.config.allowedLatenessMs);
    return session;
  }

  /**
   * Queues a session's replay position. Entries of sessions that merged or expired are skipped
   * only when they reach the top, so while one old session stays open they would pile up: the
   * queue is rebuilt from the live sessions when they are outnumbered. After a move through an
   * internal topic, positions are that topic's offsets, which a restore re-reads from the first
   * one an open session holds.
   */
  private pushReplayFrom(replayFrom: number, session: Session<ACC, K>): void {
    this.replayFroms.push(replayFrom, session);
    if (this.replayFroms.size <= 2 * this.liveSessions + 1_024) return;
    const rebuilt = new TimerQueue<Session<ACC, K>>();
    for (const entry of this.sessions.values()) {
      for (const live of Array.isArray(entry) ? entry : [entry]) if (live.live) rebuilt.push(live.replayFrom, live);
    }
    // A new session is not in its key's list yet; a second entry of one that is costs nothing.
    rebuilt.push(session.replayFrom, session);
    this.replayFroms = rebuilt;
  }

  /** Makes sure the session's timer pops by `timeMs`: a later one already queued is pushed again when it pops. */
  private schedule(session: Session<ACC, K>, timeMs: number): void {
    if (timeMs >= session.queuedMs) return;
    session.queuedMs = timeMs;
    this.timers.push(timeMs, session);
  }

  /** Emits the session's result to `out`; without `out` (a replay) only counts the firing. */
  /** @param watermarkMs the watermark the firing happened under (see `WindowResult.watermarkMs`) */
  private fire(session: Session<ACC, K>, out: WindowResult<OUT, K>[] | undefined, watermarkMs: number): void {
    if (out === undefined) {
      session.firings++;
      return;
    }
    out.push({
      partition: this.partition,
      key: keyOfIdentity<K>(session.key),
      startMs: session.startMs,
      endMs: session.endMs,
      value: this.config.aggregate.getResult(session.acc),
      firing: session.firings++,
      watermarkMs,
      health: this.health.take(session.records, this.lastPosition, this.watermarks.watermarkMs),
    });
  }

  /** Fires the armed sessions the watermark has reached, oldest first, and drops those past their lateness. */
  private advance(watermarkMs: number, out: WindowResult<OUT, K>[] | undefined, beforeMs: number): void {
    const { trigger, allowedLatenessMs } = this.config;
    const due: Session<ACC, K>[] = [];
    const expired: Session<ACC, K>[] = [];
    while (this.timers.size > 0 && this.timers.peekTimeMs() <= watermarkMs) {
      const timeMs = this.timers.peekTimeMs();
      const session = this.timers.pop();
      // Merged away, dropped, or an entry a sooner one replaced.
      if (!session.live || timeMs !== session.queuedMs) continue;
      session.queuedMs = Infinity;
      const fireAtMs = trigger.fireAtMs(session);
      if (session.armed && fireAtMs <= watermarkMs) {
        session.armed = false;
        due.push(session);
      }
      const cleanupMs = session.endMs - 1 + allowedLatenessMs;
      if (cleanupMs <= watermarkMs) {
        session.live = false;
        this.liveSessions--;
        expired.push(session);
      } else {
        // Its end moved on since this timer was set: the next time it needs.
        this.schedule(session, session.armed ? fireAtMs : cleanupMs);
      }
    }
    due.sort((a, b) => a.endMs - b.endMs || a.startMs - b.startMs || a.sequence - b.sequence);
    for (const session of due) this.fire(session, out, beforeMs);
    for (const session of expired) {
      const entry = this.sessions.get(session.key);
      if (entry === session) this.sessions.delete(session.key);
      else if (Array.isArray(entry)) this.store(session.key, entry.filter((s) => s !== session));
    }
  }

  /** Holds `list` as the key's sessions: nothing when it is empty, the session itself when it is alone. */
  private store(key: K, list: Session<ACC, K>[]): void {
    if (list.length === 0) this.sessions.delete(key);
    else this.sessions.set(key, list.length === 1 ? list[0]! : list);
  }
}
