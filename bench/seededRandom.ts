/**
 * A repeatable stream of numbers in [0, 1) from `seed` (xorshift32): its state stays a 32-bit
 * integer, so every step is exact. (A multiplicative generator written with doubles loses its
 * low bits above 2^53 and fell into a cycle of about 10,000 numbers.)
 */
export function seededRandom(seed: number): () => number {
  let state = seed | 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}
