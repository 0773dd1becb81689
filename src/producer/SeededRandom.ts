/** mulberry32's counter step; kept for seeds below 2^32. */
const MULBERRY32_STEP = 0x6d2b79f5;

/**
 * A small, fast, seeded PRNG (mulberry32): the producer draws millions of numbers per second
 * and the same seed must give the same stream on every machine, which `Math.random` cannot.
 *
 * Every bit of a safe-integer seed (0 … 2^53 − 1) counts. mulberry32 hashes a 32-bit counter
 * that advances by a fixed odd step; the seed's low 32 bits start the counter and its high
 * 21 bits pick the step, so two different seeds never walk the same sequence of counters.
 * A seed below 2^32 keeps mulberry32's own step, so such seeds give the stream they always gave.
 *
 * @example
 * const random = new SeededRandom(42);
 * random.int(6); // the same die roll on every machine
 */
export class SeededRandom {
  private state: number;
  private readonly step: number;
  /** Scratch space for {@link hex32}: one native hex encoding beats four toString/padStart. */
  private readonly bytes = Buffer.alloc(16);

  /** @param seed a whole number from 0 to `Number.MAX_SAFE_INTEGER` */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`SeededRandom needs a whole number from 0 to ${Number.MAX_SAFE_INTEGER} as its seed, got ${seed}`);
    }
    this.state = seed >>> 0;
    const high = Math.floor(seed / 2 ** 32);
    // XOR of high << 1 (below 2^22) into bits 1..21 is one-to-one and keeps the step odd, so
    // the counter still visits all 2^32 values before it repeats.
    this.step = (MULBERRY32_STEP ^ (high << 1)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + this.step) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** 32 hex digits, e.g. for event ids. */
  hex32(): string {
    for (let i = 0; i < 4; i++) this.bytes.writeUInt32BE((this.next() * 4294967296) >>> 0, i * 4);
    return this.bytes.toString('hex');
  }
}
