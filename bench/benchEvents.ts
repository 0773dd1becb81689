import { ClickstreamGenerator } from '../src/producer/ClickstreamGenerator.js';

/** The benchmark's event set: the producer's realistic events, 10k URLs, mildly out of order. */
export function benchGenerator(seed = 7): ClickstreamGenerator {
  return new ClickstreamGenerator({
    seed,
    urls: 10_000,
    users: 50_000,
    errorRate: 0.05,
    startTimeMs: Date.parse('2025-01-01T00:00:00Z'),
    // 5k events per second of event time: a 10 s window holds 50k events over ~10k URLs.
    eventsPerSecond: 5_000,
    bursts: [],
    outOfOrderMs: 2_000,
    invalidFraction: 0,
  });
}

/**
 * A generated line as a source delivers it: one flat string decoded from bytes. A line built by
 * concatenation is a rope that V8 flattens the first time `JSON.parse` reads it, so whichever
 * candidate ran first paid for flattening the whole input (its first round ran 3× slower).
 */
export function asRead(line: string): string {
  return Buffer.from(line, 'utf8').toString('utf8');
}

/** `total` JSON lines in batches of `batchSize`, as a Kafka fetch or a file chunk delivers them. */
export function jsonBatches(total: number, batchSize: number, seed?: number): string[][] {
  const generator = benchGenerator(seed);
  const batches: string[][] = [];
  for (let left = total; left > 0; left -= batchSize) {
    const size = Math.min(batchSize, left);
    const batch: string[] = new Array(size);
    for (let i = 0; i < size; i++) batch[i] = asRead(generator.next().value);
    batches.push(batch);
  }
  return batches;
}
