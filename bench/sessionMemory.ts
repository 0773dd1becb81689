// The sessions job's memory per open session, for `npm run bench`: USERS users each send two
// page views a second apart, spread over 3 partitions keyed by URL, and every session stays
// open (a 30-minute gap, and no record after them to close it). The heap after a full GC,
// with the input still held, is compared with the heap before the job read it.
// Prints one JSON line: {"users":N,"openSessions":N,"bytesPerSession":…}.
import { Subject, lastValueFrom, tap } from 'rxjs';
import { sessionsJob } from '../src/jobs/sessions/sessionsJob.js';
import type { RecordBatch } from '../src/operators/RecordBatch.js';

const users = Number(process.argv[2] ?? 100_000);
const PARTITIONS = 3;
const T0 = 1735689600;
const gc = globalThis.gc;
if (gc === undefined) throw new Error('run with node --expose-gc --single-threaded-gc');

const batches: RecordBatch<string>[] = [];
for (let p = 0; p < PARTITIONS; p++) {
  const records: string[] = [];
  for (let u = p; u < users; u += PARTITIONS) {
    for (let page = 0; page < 2; page++) {
      records.push(JSON.stringify({ user_id: `user-${u.toString(36).padStart(6, '0')}-${'x'.repeat(24)}`, url: `/page/${(u * 7 + page) % 500}`, http_status: 200, event_timestamp: T0 + (u % 600) / 100 + page }));
    }
  }
  for (let from = 0; from < records.length; from += 4_096) {
    const slice = records.slice(from, from + 4_096);
    batches.push({ partition: p, records: slice, positions: slice.map((_, i) => from + i) });
  }
}

const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const input = new Subject<RecordBatch<string>>();
let sessionsOut = 0;
const done = lastValueFrom(
  input.pipe(
    sessionsJob.pipeline({ gapMs: 30 * 60_000 }, { onInvalid: () => {}, onLate: () => {}, sourcePartitions: PARTITIONS }),
    tap((out) => {
      sessionsOut += out.recordLines?.length ?? 0;
    }),
  ),
  { defaultValue: undefined },
);
const before = heapAfterGc();
for (const batch of batches) input.next(batch);
const after = heapAfterGc();
if (sessionsOut !== 0) throw new Error(`${sessionsOut} sessions closed early: the measure needs them open`);
input.complete();
await done;
if (sessionsOut !== users) throw new Error(`expected ${users} sessions at the end, got ${sessionsOut}`);
process.stdout.write(`${JSON.stringify({ users, openSessions: users, bytesPerSession: Math.round((after - before) / users) })}\n`);
