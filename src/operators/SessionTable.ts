// A session's numbers, one row of SessionTable each.
/** The session's bounds, `[start, end)`. */
const START_MS = 0;
const END_MS = 1;
/**
 * The time of its one timer in the queue that counts (`Infinity`: none). A session is queued
 * once, not once per record that moves its end: a later time waits until this one pops.
 */
const QUEUED_MS = 2;
/**
 * Where a restore must start re-reading to rebuild this session exactly: its first position, or,
 * when that record was behind the partition's highest event time, the record that held it.
 */
const REPLAY_FROM = 3;
/** Records in the session, merged ones included. */
const RECORDS = 4;
const FIRINGS = 5;
/** Creation order, which breaks ties between sessions firing at one watermark. */
const SEQUENCE = 6;
/** {@link ARMED} and {@link LIVE}. */
const FLAGS = 7;
/** Eight doubles: a row is one 64-byte cache line. */
const STRIDE = 8;

/** The trigger's timer is pending: the session fires when the watermark reaches it. */
const ARMED = 1;
/** Cleared once merged away or dropped: the slot's queued timers are then ignored. */
const LIVE = 2;

const INITIAL_ROWS = 256;

/**
 * The open sessions of one partition, each a slot: its numbers in one row of a `Float64Array`,
 * its key and accumulator in two arrays. A session as an object of its own, with its times as
 * boxed doubles, was five heap objects that lived long enough for the collector to promote and
 * trace them all; a row is none, and the record that touches a session reads one cache line.
 *
 * A released slot is reused by the next session. Timers and replay positions queued for it are
 * not removed: their owner ignores an entry whose time the slot no longer holds, and an entry
 * that matches its new session by chance is a duplicate of that session's own, which is harmless.
 */
export class SessionTable<K, ACC> {
  private rows = new Float64Array(INITIAL_ROWS * STRIDE);
  private readonly keys: (K | undefined)[] = [];
  private readonly accs: (ACC | undefined)[] = [];
  private readonly free: number[] = [];
  /** Slots in use. */
  live = 0;

  /** A new live session `[startMs, endMs)`, unarmed, with no timer queued. */
  open(key: K, acc: ACC, startMs: number, endMs: number, replayFrom: number, sequence: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.keys.length;
      this.keys.push(key);
      this.accs.push(acc);
      if ((slot + 1) * STRIDE > this.rows.length) this.grow();
    } else {
      this.keys[slot] = key;
      this.accs[slot] = acc;
    }
    const rows = this.rows;
    const row = slot * STRIDE;
    rows[row + START_MS] = startMs;
    rows[row + END_MS] = endMs;
    rows[row + QUEUED_MS] = Infinity;
    rows[row + REPLAY_FROM] = replayFrom;
    rows[row + RECORDS] = 0;
    rows[row + FIRINGS] = 0;
    rows[row + SEQUENCE] = sequence;
    rows[row + FLAGS] = LIVE;
    this.live++;
    return slot;
  }

  /** Frees the slot for reuse; it holds no key or accumulator after this. */
  release(slot: number): void {
    this.rows[slot * STRIDE + FLAGS] = 0;
    this.keys[slot] = undefined;
    this.accs[slot] = undefined;
    this.free.push(slot);
    this.live--;
  }

  isLive(slot: number): boolean {
    return (this.rows[slot * STRIDE + FLAGS]! & LIVE) !== 0;
  }

  key(slot: number): K {
    return this.keys[slot]!;
  }

  acc(slot: number): ACC {
    return this.accs[slot]!;
  }

  setAcc(slot: number, acc: ACC): void {
    this.accs[slot] = acc;
  }

  startMs(slot: number): number {
    return this.rows[slot * STRIDE + START_MS]!;
  }

  endMs(slot: number): number {
    return this.rows[slot * STRIDE + END_MS]!;
  }

  setBounds(slot: number, startMs: number, endMs: number): void {
    const row = slot * STRIDE;
    this.rows[row + START_MS] = startMs;
    this.rows[row + END_MS] = endMs;
  }

  /** The time of the slot's one timer that counts (`Infinity`: none). */
  queuedMs(slot: number): number {
    return this.rows[slot * STRIDE + QUEUED_MS]!;
  }

  setQueuedMs(slot: number, timeMs: number): void {
    this.rows[slot * STRIDE + QUEUED_MS] = timeMs;
  }

  replayFrom(slot: number): number {
    return this.rows[slot * STRIDE + REPLAY_FROM]!;
  }

  setReplayFrom(slot: number, position: number): void {
    this.rows[slot * STRIDE + REPLAY_FROM] = position;
  }

  records(slot: number): number {
    return this.rows[slot * STRIDE + RECORDS]!;
  }

  addRecords(slot: number, records: number): void {
    this.rows[slot * STRIDE + RECORDS]! += records;
  }

  firings(slot: number): number {
    return this.rows[slot * STRIDE + FIRINGS]!;
  }

  setFirings(slot: number, firings: number): void {
    this.rows[slot * STRIDE + FIRINGS] = firings;
  }

  sequence(slot: number): number {
    return this.rows[slot * STRIDE + SEQUENCE]!;
  }

  isArmed(slot: number): boolean {
    return (this.rows[slot * STRIDE + FLAGS]! & ARMED) !== 0;
  }

  setArmed(slot: number, armed: boolean): void {
    this.rows[slot * STRIDE + FLAGS] = armed ? LIVE | ARMED : LIVE;
  }

  private grow(): void {
    const rows = new Float64Array(this.rows.length * 2);
    rows.set(this.rows);
    this.rows = rows;
  }
}
