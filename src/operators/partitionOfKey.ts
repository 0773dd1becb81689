/**
 * The partition, of `partitions`, that a key's records move to: a hash of the key's identity
 * (see `keyIdentity`), the same in every process and on every run, so that all records of one
 * key meet in one window state wherever they were read.
 */
export function partitionOfKey(identity: unknown, partitions: number): number {
  if (partitions === 1) return 0;
  const text = typeof identity === 'string' ? identity : `${typeof identity}:${String(identity)}`;
  // FNV-1a over UTF-16 code units: cheap, stable, and spreads short URL-like keys well.
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
