/**
 * The watermark of a stream downstream of a move between partitions or of another window: it
 * comes with the batches (the minimum over the partitions that write to this one), never from
 * the records, since a record's time says nothing about what other writers still hold.
 * Same fields as {@link BoundedOutOfOrdernessWatermarks}, so a window operator reads either.
 */
export class CarriedWatermarks {
  maxTimestampMs = -Infinity;
  watermarkMs = -Infinity;

  /** Records do not move a carried watermark. */
  onEvent(_timestampMs: number): boolean {
    return false;
  }

  /** Takes the stream's watermark; returns `true` when it advanced. */
  advanceTo(watermarkMs: number): boolean {
    if (!(watermarkMs > this.watermarkMs)) return false;
    this.watermarkMs = watermarkMs;
    this.maxTimestampMs = watermarkMs;
    return true;
  }
}
