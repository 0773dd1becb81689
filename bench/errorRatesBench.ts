// npm run bench: throughput of the error-rates job beside bare loops over the same events,
// in the same process and run, and its memory as the input grows; then session windows and the
// move of `keyBy` in memory (sessionsInMemory.ts). Figures are ratios against the baselines, so
// that they mean the same on a faster or slower machine.
// Settings (environment): BENCH_EVENTS (5000000), BENCH_SESSION_EVENTS (3000000),
// BENCH_RSS_SMALL (5000000), BENCH_RSS_LARGE (20000000).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, tap } from 'rxjs';
import type { ClickEvent } from '../src/events/ClickEvent.js';
import { validateClickEvent } from '../src/events/validateClickEvent.js';
import { errorRatesAggregate } from '../src/jobs/errorRates/ErrorRatesAggregate.js';
import { errorRatesJob } from '../src/jobs/errorRates/errorRatesJob.js';
import { errorRatesPoints } from '../src/jobs/errorRates/errorRatesPoints.js';
import type { RecordBatch } from '../src/operators/RecordBatch.js';
import { TumblingEventTimeWindows } from '../src/operators/TumblingEventTimeWindows.js';
import { windowAggregate } from '../src/operators/windowAggregate.js';
import { Point } from '../src/points/Point.js';
import { toLineProtocol } from '../src/points/lineProtocol.js';
import { jsonBatches } from './benchEvents.js';
import { compareRates } from './compareRates.js';
import { median } from './median.js';
import { operatorPathErrorRates } from './operatorPathErrorRates.js';
import { sessionsInMemory } from './sessionsInMemory.js';
import { benchSetting } from './benchSetting.js';

const EVENTS = benchSetting('BENCH_EVENTS', 5_000_000);
const BATCH = 4_096;
const ROUNDS = 3;
const SESSION_EVENTS = benchSetting('BENCH_SESSION_EVENTS', 3_000_000);
const WINDOW_MS = 10_000;
const OUT_OF_ORDERNESS_MS = 5_000;
const context = { onInvalid: () => {}, onLate: () => {} };

/** The median over rounds of `x / y`, each pair from one round. */
const withinRounds = (x: readonly number[], y: readonly number[]) => median(x.map((rate, i) => rate / y[i]!));
const fmt = (n: number) => `${(n / 1e6).toFixed(2)}M/s`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

console.log(`error-rates benchmark: ${EVENTS} events, 10k URLs, batches of ${BATCH}, median of ${ROUNDS} rounds`);
console.log('generating events…');
const lines = jsonBatches(EVENTS, BATCH);
const lineBatches: RecordBatch<string>[] = lines.map((records) => ({ partition: 0, records }));

// (b) from JSON lines, parsing included: the job on the API (new path) and the same job wired
// by hand from operators with line protocol written as strings (old path); both serialise
// every point to line protocol, as a sink would.
const parseLoop = () => {
  let n = 0;
  for (const batch of lines) for (let i = 0; i < batch.length; i++) if (JSON.parse(batch[i]!) !== null) n++;
  return n;
};
// What the two paths must agree on: the bytes of every line, but a job_health line counts as
// one, since its watermark lag is the wall clock's at the firing.
const checkOf = (line: string) => (line.startsWith('job_health,') ? 1 : line.length);
const jobFromLines = async () => {
  let bytes = 0;
  const run = from(lineBatches).pipe(errorRatesJob.pipeline({}, context));
  await lastValueFrom(run.pipe(tap((out) => {
    for (const point of out.points) bytes += checkOf(toLineProtocol(point));
  })), { defaultValue: undefined });
  return bytes;
};
const operatorsFromLines = async () => {
  let bytes = 0;
  const run = from(lineBatches).pipe(operatorPathErrorRates(WINDOW_MS, OUT_OF_ORDERNESS_MS));
  await lastValueFrom(run.pipe(tap((out) => {
    for (const line of out) bytes += checkOf(line);
  })), { defaultValue: undefined });
  return bytes;
};
const b = await compareRates(EVENTS, ROUNDS, parseLoop, jobFromLines, operatorsFromLines);
const same = b.checks[1] === b.checks[2];
if (!same) throw new Error('the API job and the operator path wrote different line protocol');

// (a) on parsed, validated objects.
const objectBatches: RecordBatch<ClickEvent>[] = lines.map((batch) => ({
  partition: 0,
  records: batch.map((line) => {
    const value = JSON.parse(line) as unknown;
    if (validateClickEvent(value) !== null) throw new Error(`bench event is invalid: ${line}`);
    return value as ClickEvent;
  }),
}));
lines.length = 0;
lineBatches.length = 0;
const countLoop = () => {
  let n = 0;
  for (const batch of objectBatches) {
    const records = batch.records;
    for (let i = 0; i < records.length; i++) if (records[i]!.http_status !== 0) n++;
  }
  return n;
};
const jobFromObjects = async () => {
  const windows = windowAggregate({
    windows: TumblingEventTimeWindows.of(WINDOW_MS),
    eventTimeOf: (event: ClickEvent) => event.eventTimeMs,
    maxOutOfOrdernessMs: OUT_OF_ORDERNESS_MS,
    aggregate: errorRatesAggregate(),
  });
  let points = 0;
  await lastValueFrom(from(objectBatches).pipe(windows, tap((batch) => {
    for (const result of batch.results) {
      points += errorRatesPoints(result, (m) => new Point(m, result.startMs).tag('partition', String(result.partition))).length;
    }
  })), { defaultValue: undefined });
  return points;
};
// What a user would hand-write instead: the same aggregate per window in a Map, no watermarks,
// lateness, positions or health. Over this many objects, memory access bounds both.
const aggregateLoop = () => {
  const aggregate = errorRatesAggregate();
  const windows = new Map<number, ReturnType<typeof aggregate.createAccumulator>>();
  for (const batch of objectBatches) {
    const records = batch.records;
    for (let i = 0; i < records.length; i++) {
      const event = records[i]!;
      const startMs = event.eventTimeMs - (event.eventTimeMs % WINDOW_MS);
      let acc = windows.get(startMs);
      if (acc === undefined) windows.set(startMs, (acc = aggregate.createAccumulator()));
      aggregate.add(acc, event);
    }
  }
  let urls = 0;
  for (const acc of windows.values()) urls += aggregate.getResult(acc).urlCounts.size;
  return urls;
};
const a = await compareRates(EVENTS, ROUNDS, countLoop, jobFromObjects, aggregateLoop);
objectBatches.length = 0;

console.log('');
console.log('(a) parsed objects   bare count loop %s   job %s   job/loop %s   goal: job >= 3.00M/s', fmt(a.baseline), fmt(a.candidates[0]!), pct(a.ratios[0]!));
console.log('    the same aggregate per window in a bare Map loop %s   job/that loop %s', fmt(a.candidates[1]!), pct(withinRounds(a.rates[0]!, a.rates[1]!)));
console.log('(b) JSON lines       bare JSON.parse %s   job on the API %s   job/parse %s   goal: >= 60%%', fmt(b.baseline), fmt(b.candidates[0]!), pct(b.ratios[0]!));
console.log('    old path (hand-wired operators, string lines) %s   old/parse %s   API/old %s (same line protocol: %s)', fmt(b.candidates[1]!), pct(b.ratios[1]!), pct(withinRounds(b.rates[0]!, b.rates[1]!)), same ? 'yes' : 'no');

await sessionsInMemory(SESSION_EVENTS, ROUNDS);

// Memory: the same job streaming 5M and 20M generated events in child processes.
const runner = fileURLToPath(new URL('./streamingRun.js', import.meta.url));
const rss = (events: number) =>
  JSON.parse(execFileSync(process.execPath, ['--expose-gc', runner, String(events)], { encoding: 'utf8' })) as { maxRssMb: number; heapAfterMb: number };
const small = benchSetting('BENCH_RSS_SMALL', 5_000_000);
const large = benchSetting('BENCH_RSS_LARGE', 20_000_000);
// Three runs of each size, taking turns: where the collector happens to run sets one run's peak
// (the 5M run's has varied from 196 to 294 MB with the same code), so the medians are compared.
console.log(`memory: streaming ${small} and ${large} events, three runs each…`);
const smallRuns: { maxRssMb: number; heapAfterMb: number }[] = [];
const largeRuns: { maxRssMb: number; heapAfterMb: number }[] = [];
for (let run = 0; run < 3; run++) {
  smallRuns.push(rss(small));
  largeRuns.push(rss(large));
}
const peaks = (runs: typeof smallRuns) => runs.map((r) => r.maxRssMb);
const [rssSmall, rssLarge] = [median(peaks(smallRuns)), median(peaks(largeRuns))];
console.log(
  'peak RSS  %d events %d MB (%s)   %d events %d MB (%s)   growth %s   goal: within 10%%',
  small, rssSmall, peaks(smallRuns).join(', '), large, rssLarge, peaks(largeRuns).join(', '), pct(rssLarge / rssSmall - 1),
);
// A peak is the highest of many samples, so a longer run tends to reach a higher one without
// holding more: the heap left after each run and a full collection is what a leak would grow.
const heaps = (runs: typeof smallRuns) => runs.map((r) => r.heapAfterMb);
console.log('heap in use after the run  %d events %s MB   %d events %s MB   growth %s', small, heaps(smallRuns).join(', '), large, heaps(largeRuns).join(', '), pct(median(heaps(largeRuns)) / median(heaps(smallRuns)) - 1));
// What the job holds while it runs: one more run of each size, collecting fully after every
// million events. A state that grew with the input and was let go only at its end would show
// here, not in the heap after the run.
const liveHeap = (events: number) =>
  (JSON.parse(execFileSync(process.execPath, ['--expose-gc', runner, String(events), '--live-heap'], { encoding: 'utf8' })) as { liveHeapMaxMb: number }).liveHeapMaxMb;
const [liveSmall, liveLarge] = [liveHeap(small), liveHeap(large)];
console.log(
  'heap in use during the run (most, after a full collection every 1M events)  %d events %s MB   %d events %s MB   growth %s   goal: within 10%%',
  small, liveSmall.toFixed(1), large, liveLarge.toFixed(1), pct(liveLarge / liveSmall - 1),
);

// The sessions job's state: heap per open session, at two sizes, so that a per-session cost
// that grows with the number of sessions shows. One GC thread: with concurrent sweeping, the
// heap read after gc() was off by the whole state in about one run of four.
const sessionMemory = fileURLToPath(new URL('./sessionMemory.js', import.meta.url));
const perSession = (users: number) =>
  JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--single-threaded-gc', sessionMemory, String(users)], { encoding: 'utf8' })) as { bytesPerSession: number };
const [fewer, more] = [perSession(50_000), perSession(200_000)];
console.log('sessions job: heap per open session  50000 users %d bytes   200000 users %d bytes', fewer.bytesPerSession, more.bytesPerSession);
