import type { RecordBatch } from '../../operators/RecordBatch.js';
import { InternalTopicError } from './InternalTopicError.js';
import type { MovedCheckpoint } from './MovedCheckpoint.js';
import { unpackMovedMessages } from './movedMessageCodec.js';


/** A batch of moved records for the window after the move, and whether it replays what a previous run wrote. */
export interface MovedBatch {
  readonly batch: RecordBatch<unknown>;
  /** Before the restored checkpoint's `replayUntil`: it only rebuilds state, everything it produces was written before. */
  readonly replaying: boolean;
}

interface Snapshot extends MovedCheckpoint {
  readonly sent: Record<number, number>;
}

/**
 * Reads one partition of an internal topic: the records every writer moved to it, and their
 * watermarks, into batches for the window after the move.
 *
 * - Each writer's records keep their order here, and each writer's watermark comes after the
 *   records it covers, so the partition's watermark (the minimum over the writers, once each has
 *   sent one) never passes a record still on its way.
 * - A batch ends at each message that advances that minimum, so that a window fires where the
 *   first run fired it, whatever the fetches' sizes.
 * - A writer idle for the idle timeout (its source partition had no records) is left out of
 *   the minimum until it sends again: the one case where results depend on timing.
 * - A record whose id its writer has already sent is a copy resent after the writer restarted
 *   from its commit: the first copy counted, this one is dropped.
 * - At each fetch's end it keeps a snapshot of this state; a commit takes the latest one at or
 *   before the lowest offset the windows still need (see {@link MovedCheckpoint}).
 */
export class MovedPartitionReader {
  private readonly watermarksMs: number[];
  private readonly ids: number[];
  private readonly idle = new Set<number>();
  private watermarkMs: number;
  private readonly replayUntil: number;
  /** Records sent on to later moves, by move: ids of what this partition writes. */
  readonly sent: Record<number, number>;
  private snapshots: Snapshot[] = [];

  constructor(
    private readonly partition: number,
    private readonly writers: number,
    private readonly where: string,
    restore: { readonly moved?: MovedCheckpoint; readonly replayUntil: number } | null,
  ) {
    const moved = restore?.moved;
    this.watermarksMs = moved === undefined ? new Array<number>(writers).fill(-Infinity) : [...moved.writerWatermarksMs];
    this.ids = moved === undefined ? new Array<number>(writers).fill(-Infinity) : [...moved.writerIds];
    if (this.watermarksMs.length !== writers || this.ids.length !== writers) {
      throw new InternalTopicError(where, `its commit holds ${this.watermarksMs.length} writers, the job has ${writers}`);
    }
    this.sent = moved === undefined ? {} : { ...moved.sent };
    for (const writer of moved?.idleWriters ?? []) this.idle.add(writer);
    this.watermarkMs = this.minimumOverActive(-Infinity);
    this.replayUntil = restore?.replayUntil ?? -Infinity;
    if (moved !== undefined) this.snapshots.push(this.snapshotAt(moved.position));
  }

  /** The batches of one fetch, in order; `positions` are the internal topic's offsets. */
  read(raws: readonly (string | Uint8Array)[], positions: readonly number[], emit: (moved: MovedBatch) => void): void {
    if (positions.length === 0) return;
    if (this.snapshots.length === 0) this.snapshots.push(this.snapshotAt(positions[0]!));
    let records: unknown[] = [];
    let recordPositions: number[] = [];
    let timestampsMs: number[] = [];
    let recordWatermarksMs: number[] = [];
    let replaying = positions[0]! < this.replayUntil;
    const cut = (endPosition: number) => {
      emit({
        batch: { partition: this.partition, records, positions: recordPositions, timestampsMs, recordWatermarksMs, endPosition, watermarkMs: this.watermarkMs },
        replaying,
      });
      records = [];
      recordPositions = [];
      timestampsMs = [];
      recordWatermarksMs = [];
    };
    for (let i = 0; i < raws.length; i++) {
      const position = positions[i]!;
      if (replaying && position >= this.replayUntil) {
        cut(position);
        replaying = false;
      }
      // Many moved messages share a Kafka message (see KafkaMoveTransport).
      const messages = unpackMovedMessages(raws[i]!);
      if (typeof messages === 'string') throw new InternalTopicError(this.where, `offset ${position}: ${messages}`);
      for (let j = 0; j < messages.length; j++) {
        const message = messages[j]!;
        const { writer } = message;
        if (writer >= this.writers) throw new InternalTopicError(this.where, `offset ${position}: writer ${writer} of ${this.writers}`);
        if (message.kind === 'watermark') {
          const idle = message.idle === true;
          if (!(message.watermarkMs > this.watermarksMs[writer]!) && idle === this.idle.has(writer)) continue;
          const before = this.watermarkMs;
          if (message.watermarkMs > this.watermarksMs[writer]!) this.watermarksMs[writer] = message.watermarkMs;
          if (idle) this.idle.add(writer);
          else this.idle.delete(writer);
          this.watermarkMs = this.minimumOverActive(before);
          // A watermark ends its Kafka message, so the batch ends past it; records after one
          // in the same message (not written so) would share its offset.
          if (this.watermarkMs > before) cut(j === messages.length - 1 ? position + 1 : position);
        } else if (message.id > this.ids[writer]!) {
          this.ids[writer] = message.id;
          records.push(message.record);
          recordPositions.push(position);
          timestampsMs.push(message.timeMs);
          recordWatermarksMs.push(message.watermarkMs);
        }
      }
    }
    cut(positions[positions.length - 1]! + 1);
    this.snapshots.push(this.snapshotAt(positions[positions.length - 1]! + 1));
  }

  /** The partition's watermark: the minimum over its writers'. */
  get currentWatermarkMs(): number {
    return this.watermarkMs;
  }

  /** Whether every writer has sent the end of its input: the partition has nothing more to read. */
  get ended(): boolean {
    return this.watermarkMs === Infinity;
  }

  /**
   * Where a commit may go given the lowest offset the windows still need, with the state there.
   * Older snapshots are dropped: no later commit goes back before it.
   */
  commitFor(safePosition: number): MovedCheckpoint | undefined {
    let at = -1;
    for (let i = 0; i < this.snapshots.length && this.snapshots[i]!.position <= safePosition; i++) at = i;
    if (at < 0) return undefined;
    if (at > 0) this.snapshots = this.snapshots.slice(at);
    return this.snapshots[0];
  }

  private snapshotAt(position: number): Snapshot {
    const snapshot = { position, writerWatermarksMs: [...this.watermarksMs], writerIds: [...this.ids], sent: { ...this.sent } };
    return this.idle.size === 0 ? snapshot : { ...snapshot, idleWriters: [...this.idle].sort((a, b) => a - b) };
  }

  /**
   * The minimum over the writers that are not idle, never below `floorMs`: a writer back from
   * idleness rejoins behind what the others already passed, and its records for windows that
   * fired since are late. With every writer idle, none will advance: as Flink's watermark valve
   * does then, the maximum over all of them, so that what they sent before going quiet fires.
   */
  private minimumOverActive(floorMs: number): number {
    let min = Infinity;
    let max = -Infinity;
    for (let writer = 0; writer < this.watermarksMs.length; writer++) {
      const watermarkMs = this.watermarksMs[writer]!;
      if (watermarkMs > max) max = watermarkMs;
      if (!this.idle.has(writer) && watermarkMs < min) min = watermarkMs;
    }
    if (this.idle.size === this.watermarksMs.length) return Math.max(max, floorMs);
    return Math.max(min, floorMs);
  }
}
