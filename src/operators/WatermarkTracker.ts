/**
 * Combines the watermarks of a source's partitions into one, as Flink's
 * `WatermarkStrategy.withIdleness`: the combined watermark is the minimum over the partitions
 * that are not idle, and a partition that has had no record for `idleTimeoutMs` of wall-clock
 * time stops holding the others back until it receives a record again.
 *
 * clickflow windows each partition on its own watermark, so its results never depend on this;
 * the tracker serves what needs one number for the whole source: progress, metrics and
 * idleness reports. Wall-clock time is passed in, so that tests run on virtual time.
 */
export class WatermarkTracker {
  private readonly partitions = new Map<number, { watermarkMs: number; lastActiveMs: number }>();
  /** The combined watermark never goes back, as in Flink, even when a partition wakes up behind. */
  private combinedMs = -Infinity;

  /** @param idleTimeoutMs wall-clock time without records after which a partition is idle */
  constructor(readonly idleTimeoutMs: number) {}

  /** Records that `partition` received records and now has `watermarkMs`. */
  update(partition: number, watermarkMs: number, nowMs: number): void {
    const state = this.partitions.get(partition);
    if (state === undefined) {
      this.partitions.set(partition, { watermarkMs, lastActiveMs: nowMs });
    } else {
      state.watermarkMs = Math.max(state.watermarkMs, watermarkMs);
      state.lastActiveMs = nowMs;
    }
  }

  /** Forgets a partition, e.g. when a rebalance moves it to another instance. */
  remove(partition: number): void {
    this.partitions.delete(partition);
  }

  isIdle(partition: number, nowMs: number): boolean {
    const state = this.partitions.get(partition);
    return state !== undefined && nowMs - state.lastActiveMs >= this.idleTimeoutMs;
  }

  /** The partitions idle at `nowMs`, in ascending order. */
  idlePartitions(nowMs: number): number[] {
    return [...this.partitions.keys()].filter((p) => this.isIdle(p, nowMs)).sort((a, b) => a - b);
  }

  /** The watermark of one partition, `-Infinity` if it has none yet. */
  watermarkOf(partition: number): number {
    return this.partitions.get(partition)?.watermarkMs ?? -Infinity;
  }

  /**
   * The minimum watermark over active partitions, or the maximum over all when every
   * partition is idle; `-Infinity` while no partition has one. Never lower than a value it
   * returned before.
   */
  combinedWatermark(nowMs: number): number {
    let min = Infinity;
    let max = -Infinity;
    for (const [partition, state] of this.partitions) {
      max = Math.max(max, state.watermarkMs);
      if (!this.isIdle(partition, nowMs)) min = Math.min(min, state.watermarkMs);
    }
    const candidate = min === Infinity ? max : min;
    if (candidate > this.combinedMs) this.combinedMs = candidate;
    return this.combinedMs;
  }
}
