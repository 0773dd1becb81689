/**
 * A small, fast, seeded PRNG (mulberry32): the producer draws millions of numbers per second
 * and the same seed must give the same stream on every machine, which `Math.random` cannot.
 */
export class SeededRandom {
  private state: number;
  /** Scratch space for {@link hex32}: one native hex encoding beats four toString/padStart. */
  private readonly bytes = Buffer.alloc(16);

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
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
