// Regenerates samples/clickstream.jsonl, the file the README's demo runs on: 3000 events over
// 150 s of event time (15 ten-second windows), with an error burst, out-of-order and late
// events and a few malformed records, so that the demo shows every path of the job.
// Usage: npm run build && node scripts/make-sample.mjs
import { writeFileSync } from 'node:fs';
import { ClickstreamGenerator } from '../dist/src/producer/ClickstreamGenerator.js';

const generator = new ClickstreamGenerator({
  seed: 42,
  urls: 40,
  users: 200,
  errorRate: 0.04,
  startTimeMs: Date.parse('2025-08-20T20:00:00Z'),
  eventsPerSecond: 20,
  bursts: [{ status: 503, fraction: 0.5, durationMs: 20_000, everyMs: 60_000 }],
  late: { fraction: 0.01, maxDelayMs: 60_000 },
  outOfOrderMs: 2_000,
  invalidFraction: 0.005,
});
const lines = Array.from({ length: 3000 }, () => generator.next().value);
writeFileSync(new URL('../samples/clickstream.jsonl', import.meta.url), `${lines.join('\n')}\n`);
