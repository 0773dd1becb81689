/** Values below this are counted exactly, one bucket each. */
const EXACT = 128;
/** Sub-buckets per power of two above {@link EXACT}: a bucket is at most 1/64 of its values wide. */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
/** Powers of two from 2^7 to 2^52 cover every safe integer. */
const BUCKETS = EXACT + (53 - 7) * SUB;

/**
 * Counts of late-by times (whole ms, ≥ 0) in log-linear buckets, as HdrHistogram does: exact
 * below 128 ms, within 1/64 above. Fixed memory (12 KiB) however many records are late, and
 * no allocation per value, so a flood of late records cannot grow the heap between firings.
 */
export class LateByHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  maxMs = 0;

  add(lateByMs: number): void {
    const value = lateByMs > 0 ? Math.min(Math.round(lateByMs), Number.MAX_SAFE_INTEGER) : 0;
    this.counts[bucketOf(value)]!++;
    this.count++;
    if (value > this.maxMs) this.maxMs = value;
  }

  /**
   * The nearest-rank quantile `q` (0 < q ≤ 1): the upper bound of the bucket holding the value
   * of rank ⌈q·n⌉, capped at the maximum; exact below 128 ms. 0 when empty.
   */
  quantileMs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperBoundOf(i), this.maxMs);
    }
    return this.maxMs;
  }

  reset(): void {
    if (this.count === 0) return;
    this.counts.fill(0);
    this.count = 0;
    this.maxMs = 0;
  }
}

function bucketOf(value: number): number {
  if (value < EXACT) return value;
  // log2 may round up just below 2^53; the last power of two holds the rest.
  const exponent = Math.min(52, Math.floor(Math.log2(value)));
  const sub = Math.floor(value / 2 ** (exponent - SUB_BITS)) - SUB;
  return EXACT + (exponent - 7) * SUB + sub;
}

function upperBoundOf(bucket: number): number {
  if (bucket < EXACT) return bucket;
  const exponent = 7 + Math.floor((bucket - EXACT) / SUB);
  const sub = (bucket - EXACT) % SUB;
  const width = 2 ** (exponent - SUB_BITS);
  return (SUB + sub + 1) * width - 1;
}
