// One streaming run of the error-rates job over N generated events, for the memory check:
// input is generated batch by batch, so the peak RSS is the job's own footprint.
// Prints one JSON line: {"events":N,"maxRssMb":…,"heapAfterMb":…,"points":…}; heapAfterMb is the
// heap still in use after the run and a full collection (run with --expose-gc): what a leak would grow.
import { Observable, lastValueFrom, tap } from 'rxjs';
import { errorRatesJob } from '../src/jobs/errorRates/errorRatesJob.js';
import type { RecordBatch } from '../src/operators/RecordBatch.js';
import { benchGenerator } from './benchEvents.js';

const events = Number(process.argv[2] ?? 5_000_000);
const batchSize = 4_096;
const generator = benchGenerator();
const source = new Observable<RecordBatch<string>>((subscriber) => {
  for (let left = events; left > 0 && !subscriber.closed; left -= batchSize) {
    const size = Math.min(batchSize, left);
    const records: string[] = new Array(size);
    for (let i = 0; i < size; i++) records[i] = generator.next().value;
    subscriber.next({ partition: 0, records });
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
process.stdout.write(`${JSON.stringify({ events, maxRssMb: Math.round(maxRssMb), heapAfterMb: Math.round(heapAfterMb * 10) / 10, points })}\n`);
