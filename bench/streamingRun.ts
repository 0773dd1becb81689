// One streaming run of the error-rates job over N generated events, for the memory check:
// input is generated batch by batch, so the peak RSS is the job's own footprint.
// Usage: node --expose-gc streamingRun.js N [--live-heap]
// Prints one JSON line: {"events":N,"maxRssMb":…,"heapAfterMb":…,"points":…}; heapAfterMb is the
// heap still in use after the run and a full collection: what a leak would grow, unless the job
// let go of it at the end. With --live-heap the run also collects fully after every million
// events and at the end of the input, and reports the most it found in use then, `liveHeapMaxMb`:
// the job's state while it runs. Those collections lower the run's peak RSS, so its maxRssMb is not the plain run's.
import { Observable, lastValueFrom, tap } from 'rxjs';
import { errorRatesJob } from '../src/jobs/errorRates/errorRatesJob.js';
import type { RecordBatch } from '../src/operators/RecordBatch.js';
import { benchGenerator } from './benchEvents.js';

const events = Number(process.argv[2] ?? 5_000_000);
const sampleLiveHeap = process.argv.includes('--live-heap');
const SAMPLE_EVERY = 1_000_000;
const batchSize = 4_096;
const generator = benchGenerator();
let liveHeapMaxMb = 0;
const source = new Observable<RecordBatch<string>>((subscriber) => {
  let sent = 0;
  for (let left = events; left > 0 && !subscriber.closed; left -= batchSize) {
    const size = Math.min(batchSize, left);
    const records: string[] = new Array(size);
    for (let i = 0; i < size; i++) records[i] = generator.next().value;
    subscriber.next({ partition: 0, records });
    sent += size;
    // Every millionth event, and at the end of the input (while the windows are still open).
    if (sampleLiveHeap && (sent % SAMPLE_EVERY < size || left <= size)) {
      globalThis.gc?.();
      liveHeapMaxMb = Math.max(liveHeapMaxMb, process.memoryUsage().heapUsed / 2 ** 20);
    }
  }
  subscriber.complete();
});
let points = 0;
await lastValueFrom(
  source.pipe(
    errorRatesJob.pipeline({}, { onInvalid: () => {}, onLate: () => {} }),
    tap((out) => {
      points += out.points.length;
    }),
  ),
);
const maxRssMb = process.resourceUsage().maxRSS / 1024;
globalThis.gc?.();
const heapAfterMb = process.memoryUsage().heapUsed / 2 ** 20;
const tenths = (mb: number) => Math.round(mb * 10) / 10;
process.stdout.write(
  `${JSON.stringify({ events, maxRssMb: Math.round(maxRssMb), heapAfterMb: tenths(heapAfterMb), ...(sampleLiveHeap ? { liveHeapMaxMb: tenths(liveHeapMaxMb) } : {}), points })}\n`,
);
