import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { clickEvents } from '../../../src/api/clickEvents.js';
import { job } from '../../../src/api/job.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import type { JobParameters } from '../../../src/jobs/Job.js';
import type { JobOutput } from '../../../src/jobs/JobOutput.js';
import { errorRatesJob } from '../../../src/jobs/errorRates/errorRatesJob.js';
import { sessionsJob } from '../../../src/jobs/sessions/sessionsJob.js';
import { count } from '../../../src/operators/aggregates/count.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { EarlyFiringTrigger } from '../../../src/operators/Trigger.js';
import { toLineProtocol } from '../../../src/points/lineProtocol.js';
import { SeededRandom } from '../../../src/producer/SeededRandom.js';
import type { Job } from '../../../src/jobs/Job.js';
import { click, raw, T0 } from './harness.js';

/** A job's pipeline fed by hand, on a virtual wall clock: `tick(ms)` lets that much wall-clock time pass. */
function drive(subject: Job, parameters: JobParameters) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  const input = new Subject<RecordBatch<string>>();
  const outputs: JobOutput[] = [];
  let done = false;
  input
    .pipe(subject.pipeline(parameters, { onInvalid: () => {}, onLate: () => {}, sourcePartitions: 2, scheduler }))
    .subscribe({ next: (out) => outputs.push(out), error: (error: unknown) => assert.fail(String(error)), complete: () => (done = true) });
  return {
    outputs,
    send: (batch: RecordBatch<string>) => input.next(batch),
    tick: (ms: number) => {
      scheduler.maxFrames = scheduler.now() + ms;
      scheduler.flush();
    },
    end: () => {
      input.complete();
      assert.ok(done);
    },
    /** The lines written since `from` (an index into outputs). */
    lines: (from = 0) => outputs.slice(from).flatMap((o) => o.points.map(toLineProtocol)),
  };
}

const ns = (seconds: number) => `${seconds}000000000`;

/** Counts per 10 s window: small enough to read every line. */
const counts = job('counts', 'events per 10 s window')
  .from(clickEvents())
  .withMaxOutOfOrderness(0)
  .window(TumblingEventTimeWindows.of('10s'))
  .aggregate(count())
  .toPoints((w, point) => point('counts').intField('n', w.value));

describe('early firings (--early-every)', () => {
  test('an open window fires what it holds every interval while records come, marked final=false; the on-time firing is final=true and whole', () => {
    const run = drive(counts, { earlyEveryMs: 2_000 });
    run.send(raw(0, [click('/a', 200, T0 + 1), click('/a', 200, T0 + 2)], 0));
    assert.deepEqual(run.lines(), [], 'nothing before the first tick');
    run.tick(2_000);
    assert.deepEqual(run.lines(), [`counts,partition=0 final=false,n=2i ${ns(T0)}`]);
    const seen = run.outputs.length;
    run.tick(2_000);
    assert.equal(run.outputs.length, seen, 'no new records: no early firing and no output');
    run.send(raw(0, [click('/a', 200, T0 + 3)], 2));
    run.tick(2_000);
    assert.deepEqual(run.lines(seen), [`counts,partition=0 final=false,n=3i ${ns(T0)}`]);
    const beforeFinal = run.outputs.length;
    run.send(raw(0, [click('/a', 200, T0 + 12)], 3));
    assert.deepEqual(run.lines(beforeFinal), [`counts,partition=0 final=true,n=3i ${ns(T0)}`]);
    assert.equal(run.outputs.at(-1)!.windowsFired, 1, 'early firings are not counted as window firings');
    const afterFinal = run.outputs.length;
    run.tick(2_000);
    assert.deepEqual(run.lines(afterFinal), [`counts,partition=0 final=false,n=1i ${ns(T0 + 10)}`], 'only the window still open fires early');
    run.end();
  });

  test('the final results are exactly those of a run without early firings, over out-of-order and late records on two partitions', () => {
    for (const seed of [1, 2, 3]) {
      const random = new SeededRandom(seed);
      const urls = ['/a', '/b', '/c', '/d'];
      const batches: RecordBatch<string>[] = [];
      const next = [0, 0];
      let clockMs = 0;
      for (let b = 0; b < 60; b++) {
        const partition = random.int(2);
        const records: string[] = [];
        for (let r = 0; r < 1 + random.int(8); r++) {
          clockMs += random.int(1_500);
          // Mostly a little out of order; now and then far behind (late by the 5 s bound).
          const behindMs = random.int(10) === 0 ? 20_000 + random.int(20_000) : random.int(4_000);
          const seconds = T0 + Math.max(0, clockMs - behindMs) / 1000;
          records.push(click(urls[random.int(urls.length)]!, [200, 404, 500, 503][random.int(4)]!, seconds));
        }
        batches.push(raw(partition, records, next[partition]));
        next[partition]! += records.length;
      }
      const plain = drive(errorRatesJob, {});
      for (const batch of batches) plain.send(batch);
      plain.end();
      const early = drive(errorRatesJob, { earlyEveryMs: 1_000 });
      for (const batch of batches) {
        early.send(batch);
        early.tick(random.int(3) * 1_000);
      }
      early.end();
      // The watermark's lag is measured on the real wall clock: the only field that may differ.
      const noLag = (line: string) => line.replace(/watermark_lag_ms=\d+i/, 'watermark_lag_ms=…');
      const lines = early.lines().map(noLag);
      const finals = lines.filter((line) => line.includes('final=true')).map((line) => line.replace('final=true,', ''));
      assert.ok(lines.some((line) => line.includes('final=false')), `seed ${seed}: some windows fired early`);
      assert.equal(finals.length + lines.filter((line) => line.includes('final=false')).length, lines.length, 'every point says which it is');
      assert.deepEqual(finals, plain.lines().map(noLag), `seed ${seed}`);
      assert.ok(plain.lines().some((line) => /late_records=[1-9]/.test(line)), `seed ${seed}: the stream has late records`);
    }
  });

  test('refused where it cannot apply: a job without tumbling or hopping windows over its source, a non-positive interval, a session window', () => {
    assert.throws(() => sessionsJob.settings({ earlyEveryMs: 2_000 }), (e) => e instanceof ConfigError && /--early-every: job "sessions" has no tumbling or hopping windows over its source/.test(e.message));
    for (const earlyEveryMs of [0, 50, 0.5, 25 * 86_400_000]) {
      assert.throws(() => counts.settings({ earlyEveryMs }), (e) => e instanceof ConfigError && /--early-every: must be whole milliseconds from 100ms to 24d/.test(e.message), String(earlyEveryMs));
    }
    assert.throws(() => EarlyFiringTrigger.every('0s'), ConfigError);
    // After a keyBy a window fires once, whole: neither the flag nor the trigger applies there.
    const perUrl = job('per-url', 'events per URL and 10 s window').from(clickEvents()).keyBy((e) => e.url).window(TumblingEventTimeWindows.of('10s'));
    const keyed = perUrl.aggregate(count()).toPoints((w, point) => point('per_url').tag('url', w.key).intField('n', w.value));
    assert.throws(() => keyed.settings({ earlyEveryMs: 2_000 }), (e) => e instanceof ConfigError && /--early-every: job "per-url" has no tumbling or hopping windows over its source's own partitions/.test(e.message));
    const explicit = perUrl.trigger(EarlyFiringTrigger.every('1s')).aggregate(count()).toPoints((w, point) => point('per_url').intField('n', w.value));
    assert.throws(() => explicit.settings({}), (e) => e instanceof ConfigError && /trigger: job "per-url": early firings are for tumbling and hopping windows over the source's records/.test(e.message));
    assert.match(counts.describe!({ earlyEveryMs: 2_000 }), /early firings every 2s of wall-clock time while open/);
  });
});
