import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { from, lastValueFrom, NEVER, Subject, toArray } from 'rxjs';
import { clickEvents } from '../../../src/api/clickEvents.js';
import { job } from '../../../src/api/job.js';
import { ClickflowError } from '../../../src/errors/ClickflowError.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { errorRatesJob } from '../../../src/jobs/errorRates/errorRatesJob.js';
import { count } from '../../../src/operators/aggregates/count.js';
import { EventTimeSessionWindows } from '../../../src/operators/EventTimeSessionWindows.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { BackpressureGate } from '../../../src/runtime/BackpressureGate.js';
import type { JobEvent } from '../../../src/runtime/JobEvent.js';
import type { JobHandle } from '../../../src/runtime/JobHandle.js';
import { JobMetrics } from '../../../src/runtime/JobMetrics.js';
import { startJob, type StartJobOptions } from '../../../src/runtime/startJob.js';
import { connector, fakeSource, RecordingDeadLetters, RecordingLines, RecordingPointSink, type FakeSource } from './fakes.js';

const T0 = 1735689600; // 2025-01-01T00:00:00Z, a multiple of 10 s
const PARAMETERS = { windowMs: 10_000, maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0 };

const ev = (url: string, status: number, seconds: number) =>
  JSON.stringify({ user_id: 'u', url, http_status: status, event_timestamp: seconds });

/** Every event of a job, collected from the moment it starts; resolves when the job ends. */
function eventsOf(handle: JobHandle): Promise<JobEvent[]> {
  return lastValueFrom(handle.events.pipe(toArray()));
}

const statuses = (events: readonly JobEvent[]) => events.flatMap((e) => (e.type === 'status' ? [e.status] : []));

/** Resolves when the job reports RUNNING: its source is then subscribed and its commit timer set. */
function running(handle: JobHandle): Promise<void> {
  return new Promise((resolve, reject) => {
    handle.events.subscribe({
      next: (e) => {
        if (e.type === 'status' && e.status === 'RUNNING') resolve();
      },
      complete: () => reject(new Error(`the job ended ${handle.status} without running`)),
    });
  });
}

/** startJob with the error-rates job and in-memory connectors around `src` and `sink`. */
function start(src: FakeSource, sink: RecordingPointSink, extra: Partial<StartJobOptions> = {}, log: string[] = []): JobHandle {
  return startJob(errorRatesJob, {
    source: connector('source', src, log),
    sink: connector('sink', sink, log),
    parameters: PARAMETERS,
    ...extra,
  });
}

describe('startJob', () => {
  test('runs a bounded source to the end: metrics, points, dead letters, late records, flush before commit, closes', async () => {
    const p0 = [ev('/a', 200, T0 + 1), 'not json', ev('/a', 503, T0 + 2), ev('/a', 200, T0 + 16), ev('/b', 404, T0 + 3)];
    const p1 = [ev('/c', 200, T0 + 4), '{"url":"/c"}'];
    const log: string[] = [];
    const sink = new RecordingPointSink(log);
    const dlq = new RecordingDeadLetters(log);
    const late = new RecordingLines(log);
    const src = fakeSource(
      from([
        { partition: 0, records: p0.slice(0, 3), positions: [0, 1, 2] },
        { partition: 1, records: p1, positions: [40, 41] },
        { partition: 0, records: p0.slice(3), positions: [3, 4] },
      ]),
      log,
    );
    const handle = start(src, sink, { deadLetter: connector('dlq', dlq, log), lateOutput: connector('late', late, log) }, log);
    assert.equal(handle.status, 'CREATED');
    assert.equal(handle.name, 'error-rates');
    const events = eventsOf(handle);
    const metrics = await handle.done;

    assert.equal(metrics, handle.metrics, 'done resolves with the live metrics');
    assert.ok(metrics instanceof JobMetrics);
    assert.equal(handle.status, 'FINISHED');
    assert.deepEqual(statuses(await events), ['RUNNING', 'FINISHED']);
    assert.equal(metrics.recordsIn, 7);
    assert.equal(metrics.invalidRecords, 2);
    assert.equal(metrics.invalidByReason.not_json, 1);
    assert.equal(metrics.invalidByReason.missing_field, 1);
    assert.deepEqual(
      dlq.records.map((r) => [r.partition, r.position, r.reason, r.raw]),
      [
        [0, 1, 'not_json', 'not json'],
        [1, 41, 'missing_field', '{"url":"/c"}'],
      ],
    );
    // Partition 0: [T0, T0+10) fires on T0+16 (≥ 10 + 5), so /b at T0+3 is late; [T0+10, T0+20) at the end.
    // Partition 1: [T0, T0+10) at the end.
    assert.equal(metrics.lateRecords, 1);
    assert.equal(late.lines.length, 1);
    const lateLine = JSON.parse(late.lines[0]!) as Record<string, unknown>;
    assert.deepEqual(lateLine, {
      partition: 0,
      position: 4,
      event_time: '2025-01-01T00:00:03.000Z',
      watermark: '2025-01-01T00:00:10.999Z',
      late_by_ms: 7_999,
      raw: p0[4], // the record exactly as read
    });
    assert.equal(metrics.windowsFired, 3);
    assert.deepEqual(
      sink.lines.filter((l) => l.startsWith('error_rates')),
      [
        `error_rates,partition=0 total=2i,errors=1i,client_errors=0i,server_errors=1i,rate=0.5 ${T0}000000000`,
        `error_rates,partition=0 total=1i,errors=0i,client_errors=0i,server_errors=0i,rate=0 ${T0 + 10}000000000`,
        `error_rates,partition=1 total=1i,errors=0i,client_errors=0i,server_errors=0i,rate=0 ${T0}000000000`,
      ],
    );
    assert.equal(metrics.pointsOut, sink.points.length);
    assert.deepEqual([...metrics.watermarks], [
      [0, (T0 + 16) * 1000 - 5_000 - 1],
      [1, (T0 + 4) * 1000 - 5_000 - 1],
    ]);

    // Every output is flushed before the final commit, which covers both partitions to their end.
    const commitAt = log.lastIndexOf('source.commit');
    for (const flush of ['sink.flush', 'dlq.flush', 'late.flush']) {
      assert.ok(log.includes(flush) && log.lastIndexOf(flush) < commitAt, `${flush} before the commit: ${log.join()}`);
    }
    // Partition 0 ends with a valid (late) record at 4: every window fired, resume at 5.
    const final = src.commits.at(-1)!;
    assert.deepEqual(final.get(0), { safePosition: 5, checkpoint: { maxTimestampMs: (T0 + 16) * 1000, replayUntil: 5 } });
    assert.equal(final.get(1)!.safePosition, 42);
    assert.ok(sink.closed && dlq.closed && late.closed && src.closed);
    // Closing comes after the last commit.
    assert.ok(log.indexOf('sink.close') > commitAt && log.indexOf('source.close') > commitAt, log.join());
  });

  test('the final commit also covers an invalid record at the end of a partition', async () => {
    const src = fakeSource(from([{ partition: 1, records: [ev('/c', 200, T0 + 4), '{"url":"/c"}'], positions: [40, 41] }]));
    const dlq = new RecordingDeadLetters();
    await start(src, new RecordingPointSink(), { deadLetter: connector('dlq', dlq) }).done;
    assert.equal(dlq.records.length, 1);
    // Every window fired and position 41 was dead-lettered: nothing before 42 is needed again.
    assert.equal(src.commits.at(-1)!.get(1)!.safePosition, 42);
  });

  test('without a dead-letter output, invalid records are counted only', async () => {
    const metrics = await start(fakeSource(from([{ partition: 0, records: ['x', '[]', ev('/a', 200, T0)] }])), new RecordingPointSink()).done;
    assert.equal(metrics.invalidRecords, 2);
    assert.equal(metrics.invalidByReason.not_json, 1);
    assert.equal(metrics.invalidByReason.not_an_object, 1);
    assert.equal(metrics.windowsFired, 1);
  });

  test('a source without commit (stdin) runs without commits', async () => {
    const sink = new RecordingPointSink();
    const handle = startJob(errorRatesJob, {
      source: connector('stdin', { batches: from([{ partition: 0, records: [ev('/a', 200, T0)] }]) }),
      sink: connector('sink', sink),
    });
    const metrics = await handle.done;
    // url_counts, status_counts, error_rates and job_health of the one window.
    assert.equal(metrics.pointsOut, 4);
    assert.deepEqual(sink.points.map((p) => p.measurement), ['url_counts', 'status_counts', 'error_rates', 'job_health']);
    assert.equal(handle.status, 'FINISHED');
  });

  test('a late record whose bytes are not UTF-8 is dead-lettered as bad_encoding, bytes untouched, never written as late', async () => {
    // A Kafka value with a byte that is not UTF-8 inside a JSON string: decoding would replace it.
    const bytes = (text: string) => new Uint8Array(Buffer.concat([Buffer.from(text.slice(0, 13)), Buffer.from([0xff]), Buffer.from(text.slice(13))]));
    const onTime = Buffer.from(ev('/a', 200, T0 + 20));
    const lateRecord = bytes(ev('/a', 200, T0 + 1));
    const late = new RecordingLines();
    const dlq = new RecordingDeadLetters();
    const handle = start(fakeSource(from([{ partition: 0, records: [onTime, lateRecord], positions: [0, 1] }])), new RecordingPointSink(), {
      lateOutput: connector('late', late),
      deadLetter: connector('dlq', dlq),
    });
    const metrics = await handle.done;
    assert.equal(metrics.lateRecords, 0);
    assert.deepEqual(late.lines, []);
    assert.equal(dlq.records.length, 1);
    assert.equal(dlq.records[0]!.reason, 'bad_encoding');
    assert.deepEqual(Buffer.from(dlq.records[0]!.raw as Uint8Array), Buffer.from(lateRecord));
  });

  test("a sink's flush failure fails the job: done rejects with it, status FAILED, nothing committed, everything closed", async () => {
    const failure = new Error('disk full');
    const sink = new RecordingPointSink([], failure);
    const dlq = new RecordingDeadLetters();
    const late = new RecordingLines();
    const src = fakeSource(from([{ partition: 0, records: [ev('/a', 200, T0)], positions: [0] }]));
    const handle = start(src, sink, { deadLetter: connector('dlq', dlq), lateOutput: connector('late', late) });
    const events = eventsOf(handle);
    await assert.rejects(handle.done, (e) => e === failure);
    assert.equal(handle.status, 'FAILED');
    const failed = (await events).find((e) => e.type === 'status' && e.status === 'FAILED');
    assert.deepEqual(failed, { type: 'status', status: 'FAILED', error: failure });
    assert.equal(src.commits.length, 0, 'nothing is committed past unwritten output');
    assert.ok(sink.closed && dlq.closed && late.closed && src.closed);
  });

  test('a failing source fails the job and closes every output', async () => {
    const batches = new Subject<RecordBatch<string>>();
    const sink = new RecordingPointSink();
    const src = fakeSource(batches);
    const handle = start(src, sink);
    await running(handle);
    const failure = new Error('cannot read');
    batches.error(failure);
    await assert.rejects(handle.done, (e) => e === failure);
    assert.equal(handle.status, 'FAILED');
    assert.ok(sink.closed && src.closed);
  });

  test('a non-retriable commit error fails the job; a retriable one is reported and the job goes on', async () => {
    const fatal = new ClickflowError('the group was deleted', { retriable: false });
    const failed = start(fakeSource(from([{ partition: 0, records: [ev('/a', 200, T0)], positions: [0] }]), [], fatal), new RecordingPointSink());
    await assert.rejects(failed.done, (e) => e === fatal);
    assert.equal(failed.status, 'FAILED');

    const transient = new Error('coordinator moved');
    const survived = start(fakeSource(from([{ partition: 0, records: [ev('/a', 200, T0)], positions: [0] }]), [], transient), new RecordingPointSink());
    const events = eventsOf(survived);
    await survived.done;
    assert.equal(survived.status, 'FINISHED');
    const warnings = (await events).filter((e) => e.type === 'log' && e.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match((warnings[0] as { message: string }).message, /commit failed.*coordinator moved/);
  });

  test('cancel() stops reading, leaves open windows unfired, flushes then commits, and ends CANCELED', async () => {
    const batches = new Subject<RecordBatch<string>>();
    const log: string[] = [];
    const sink = new RecordingPointSink(log);
    const src = fakeSource(batches, log);
    const handle = start(src, sink, {}, log);
    const events = eventsOf(handle);
    await running(handle);
    batches.next({ partition: 0, records: [ev('/a', 200, T0 + 1), ev('/a', 200, T0 + 16)], positions: [0, 1] });
    const cancelled = handle.cancel();
    batches.next({ partition: 0, records: [ev('/a', 200, T0 + 40)], positions: [2] });
    const metrics = await cancelled;
    assert.equal(metrics, await handle.done);
    assert.equal(handle.status, 'CANCELED');
    assert.deepEqual(statuses(await events), ['RUNNING', 'CANCELED']);
    assert.equal(metrics.recordsIn, 2, 'nothing is read after cancel()');
    // [T0, T0+10) fired on T0+16; [T0+10, T0+20) holds T0+16 and was not fired.
    assert.equal(metrics.windowsFired, 1);
    assert.ok(sink.lines.length > 0 && sink.lines.every((l) => l.endsWith(`${T0}000000000`)));
    // The commit keeps position 1 (in the unfired window) for a restart to re-read, after the flush.
    assert.equal(src.commits.at(-1)!.get(0)!.safePosition, 1);
    assert.ok(log.lastIndexOf('sink.flush') < log.lastIndexOf('source.commit'), log.join());
    assert.ok(sink.closed && src.closed);
  });

  test('cancel() while the source opens aborts the signal the source was given: it stops waiting, and what it opened is closed', async () => {
    const log: string[] = [];
    const src = fakeSource(NEVER, log);
    let opening!: () => void;
    const opened = new Promise<void>((resolve) => (opening = resolve));
    let aborted = false;
    const slowSource = {
      description: 'slow source',
      // As a Kafka source waiting for internal topics' leaders: it gives up once the job is cancelled.
      open: (context: { signal?: AbortSignal }) =>
        new Promise<FakeSource>((resolve) => {
          opening();
          assert.ok(context.signal !== undefined, 'the source is given the job\'s signal');
          context.signal.addEventListener('abort', () => {
            aborted = true;
            resolve(src);
          });
        }),
    };
    const handle = startJob(errorRatesJob, { source: slowSource, sink: connector('sink', new RecordingPointSink(log), log), parameters: PARAMETERS });
    await opened;
    await handle.cancel();
    assert.equal(handle.status, 'CANCELED');
    assert.ok(aborted, 'the signal was aborted');
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(src.closed, 'the source it opened after all was closed');
    assert.ok(!log.includes('open sink'), 'no output opened');
  });

  test('cancel() right after startJob opens nothing and ends CANCELED', async () => {
    const log: string[] = [];
    const handle = start(fakeSource(NEVER, log), new RecordingPointSink(log), {}, log);
    await handle.cancel();
    assert.equal(handle.status, 'CANCELED');
    assert.deepEqual(log, []);
  });

  test('flushes and commits every commitIntervalMs while the source is still open', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const batches = new Subject<RecordBatch<string>>();
    const log: string[] = [];
    let committed!: () => void;
    const firstCommit = new Promise<void>((resolve) => (committed = resolve));
    const src = fakeSource(batches, log);
    const commit = src.commit!.bind(src);
    src.commit = async (snapshot) => {
      await commit(snapshot);
      committed();
    };
    const handle = start(src, new RecordingPointSink(log), { commitIntervalMs: 1_000 }, log);
    await running(handle);
    batches.next({ partition: 0, records: [ev('/a', 200, T0 + 1)], positions: [7] });
    t.mock.timers.tick(999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(src.commits.length, 0, 'no commit before the interval');
    t.mock.timers.tick(1);
    await firstCommit;
    assert.deepEqual(log.slice(-2), ['sink.flush', 'source.commit']);
    assert.equal(src.commits[0]!.get(0)!.safePosition, 7, 'the open window still needs position 7');
    await handle.cancel();
    assert.equal(handle.status, 'CANCELED');
  });
});

describe('startJob: connectors', () => {
  test('opens the source first, then the sink, the dead-letter and the late output, and gives each the job name and one gate', async () => {
    const log: string[] = [];
    const source = connector('source', fakeSource(from([]), log), log);
    const sink = connector('sink', new RecordingPointSink(log), log);
    const dlq = connector('dlq', new RecordingDeadLetters(log), log);
    const late = connector('late', new RecordingLines(log), log);
    await startJob(errorRatesJob, { source, sink, deadLetter: dlq, lateOutput: late }).done;
    assert.deepEqual(log.filter((l) => l.startsWith('open')), ['open source', 'open sink', 'open dlq', 'open late']);
    const contexts = [source, sink, dlq, late].map((c) => c.contexts[0]!);
    for (const context of contexts) {
      assert.equal(context.jobName, 'error-rates');
      assert.ok(context.gate instanceof BackpressureGate);
      assert.equal(context.gate, contexts[0]!.gate, 'one gate shared by the source and the outputs');
    }
  });

  test('opens nothing when job.settings(parameters) throws: startJob throws the ConfigError at once', async () => {
    const log: string[] = [];
    const open = () => ({
      source: connector('source', fakeSource(from([]), log), log),
      sink: connector('sink', new RecordingPointSink(log), log),
      deadLetter: connector('dlq', new RecordingDeadLetters(log), log),
    });
    // A slide longer than the window.
    assert.throws(() => startJob(errorRatesJob, { ...open(), parameters: { slideMs: 20_000 } }), ConfigError);
    // A window size for a job of session windows.
    const sessions = job('sessions')
      .from(clickEvents())
      .keyBy((e) => e.user_id)
      .window(EventTimeSessionWindows.withGap('30m'))
      .aggregate(count())
      .toPoints((w, point) => point('sessions').intField('events', w.value));
    assert.throws(() => startJob(sessions, { ...open(), parameters: { windowMs: 60_000 } }), ConfigError);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, [], 'no connector was opened');
  });

  test('a connector that cannot open fails the job; those opened before are closed, those after never opened', async () => {
    const log: string[] = [];
    const failure = new ClickflowError('cannot create file out.lp (EACCES)');
    const src = fakeSource(from([{ partition: 0, records: [ev('/a', 200, T0)] }]), log);
    const handle = startJob(errorRatesJob, {
      source: connector('source', src, log),
      sink: connector('sink', new RecordingPointSink(log), log, failure),
      deadLetter: connector('dlq', new RecordingDeadLetters(log), log),
    });
    const events = eventsOf(handle);
    await assert.rejects(handle.done, (e) => e === failure);
    assert.equal(handle.status, 'FAILED');
    assert.deepEqual(statuses(await events), ['FAILED'], 'never RUNNING');
    assert.deepEqual(log, ['open source', 'open sink', 'source.close']);
  });
});

describe('startJob: events', () => {
  test('reports status changes and progress, then completes', async () => {
    const handle = start(
      fakeSource(
        from([
          { partition: 0, records: [ev('/a', 200, T0 + 1)], positions: [0] },
          { partition: 2, records: [ev('/a', 200, T0 + 30)], positions: [0] },
        ]),
      ),
      new RecordingPointSink(),
    );
    const events = await eventsOf(handle);
    assert.deepEqual(
      events.filter((e) => e.type !== 'log'),
      [
        { type: 'status', status: 'RUNNING' },
        { type: 'progress', partition: 0, watermarkMs: (T0 + 1) * 1000 - 5_001 },
        { type: 'progress', partition: 2, watermarkMs: (T0 + 30) * 1000 - 5_001 },
        // the end of input: each partition's flush
        { type: 'progress', partition: 0, watermarkMs: (T0 + 1) * 1000 - 5_001 },
        { type: 'progress', partition: 2, watermarkMs: (T0 + 30) * 1000 - 5_001 },
        { type: 'status', status: 'FINISHED' },
      ],
    );
  });

  test('reports a revoked partition, forgets its watermark and does not commit it again', async () => {
    const batches = new Subject<RecordBatch<string>>();
    const sink = new RecordingPointSink();
    const src = fakeSource(batches);
    const handle = start(src, sink);
    const events = eventsOf(handle);
    await running(handle);
    batches.next({ partition: 0, records: [ev('/a', 200, T0 + 1)], positions: [0] });
    batches.next({ partition: 1, records: [ev('/b', 200, T0 + 2)], positions: [10] });
    assert.deepEqual([...handle.metrics.watermarks.keys()], [0, 1]);
    batches.next({ partition: 1, records: [], revoked: true });
    assert.deepEqual([...handle.metrics.watermarks.keys()], [0]);
    batches.complete();
    await handle.done;
    assert.deepEqual(
      (await events).filter((e) => e.type === 'revoked'),
      [{ type: 'revoked', partition: 1 }],
    );
    // Partition 1's windows were dropped unfired; only partition 0 is written and committed.
    assert.ok(sink.lines.every((l) => l.includes('partition=0')), sink.lines.join('\n'));
    assert.deepEqual([...src.commits.at(-1)!.keys()], [0]);
  });

  test('a partition ended by endOfInput writes its windows then, and is committed at its end with its checkpoint', async () => {
    const batches = new Subject<RecordBatch<string>>();
    const sink = new RecordingPointSink();
    const src = fakeSource(batches);
    const handle = start(src, sink);
    await running(handle);
    batches.next({ partition: 0, records: [ev('/a', 200, T0 + 1)], positions: [0] });
    batches.next({ partition: 1, records: [ev('/b', 200, T0 + 2)], positions: [10] });
    assert.equal(sink.points.length, 0);
    batches.next({ partition: 1, records: [], endPosition: 12, endOfInput: true });
    // Partition 1's window fired; partition 0's is still open.
    assert.ok(sink.lines.length > 0 && sink.lines.every((l) => l.includes('partition=1')), sink.lines.join('\n'));
    batches.complete();
    await handle.done;
    assert.deepEqual(src.commits.at(-1)!.get(1), { safePosition: 12, checkpoint: { maxTimestampMs: (T0 + 2) * 1000, replayUntil: 12 } });
    assert.deepEqual(src.commits.at(-1)!.get(0), { safePosition: 1, checkpoint: { maxTimestampMs: (T0 + 1) * 1000, replayUntil: 1 } });
  });

  test('start-up phases and flushes are debug logs, in order: source, outputs, started, the final flush', async () => {
    const handle = startJob(errorRatesJob, { source: connector('source', fakeSource(from([]))), sink: connector('sink', new RecordingPointSink()) });
    const events = await eventsOf(handle);
    assert.deepEqual(
      events.filter((e) => e.type === 'log' && e.level === 'debug').map((e) => (e as { message: string }).message),
      ['opening the source', 'source ready; opening the outputs', 'job started', 'flushing outputs'],
    );
  });

  test('connector reports reach the events as log entries', async () => {
    const src = fakeSource(from([{ partition: 0, records: [ev('/a', 200, T0)] }]));
    const noisy = {
      description: 'noisy',
      open: async (context: { report: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void }) => {
        context.report('warn', 'retrying a write', { attempt: 2 });
        return new RecordingPointSink();
      },
    };
    const handle = startJob(errorRatesJob, { source: connector('source', src), sink: noisy });
    const events = await eventsOf(handle);
    assert.deepEqual(
      events.filter((e) => e.type === 'log' && e.level !== 'debug'),
      [{ type: 'log', level: 'warn', message: 'retrying a write', fields: { attempt: 2 } }],
    );
  });
});

describe('BackpressureGate', () => {
  /** Lets every pending promise callback run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  test('is open at first and whenOpen resolves at once', async () => {
    const gate = new BackpressureGate();
    assert.equal(gate.isOpen, true);
    await gate.whenOpen();
  });

  test('close holds every waiter until open; closing twice needs one open', async () => {
    const gate = new BackpressureGate();
    gate.close();
    gate.close();
    assert.equal(gate.isOpen, false);
    let released = 0;
    const waiters = [gate.whenOpen().then(() => released++), gate.whenOpen().then(() => released++)];
    await settle();
    assert.equal(released, 0);
    gate.open();
    await Promise.all(waiters);
    assert.equal(released, 2);
    assert.equal(gate.isOpen, true);
  });

  test('open when already open is harmless, and the gate can close again', async () => {
    const gate = new BackpressureGate();
    gate.open();
    assert.equal(gate.isOpen, true);
    gate.close();
    let released = false;
    const waiter = gate.whenOpen().then(() => (released = true));
    await settle();
    assert.equal(released, false);
    gate.open();
    await waiter;
    assert.equal(released, true);
  });
});

describe('JobMetrics', () => {
  test('starts at zero for every reason and sums invalid records', () => {
    const m = new JobMetrics();
    assert.equal(m.invalidRecords, 0);
    m.invalidByReason.wrong_type! += 2;
    m.invalidByReason.status_out_of_range! += 3;
    m.invalidByReason.job_specific = 4;
    assert.equal(m.invalidRecords, 9);
  });

  test('toJSON gives ISO watermarks, null before the first record', () => {
    const m = new JobMetrics();
    m.recordsIn = 9;
    m.watermarks.set(0, Date.UTC(2025, 0, 1, 0, 0, 9, 999));
    m.watermarks.set(1, -Infinity);
    const json = m.toJSON();
    assert.equal(json.recordsIn, 9);
    assert.deepEqual(json.watermarks, { 0: '2025-01-01T00:00:09.999Z', 1: null });
    assert.deepEqual(Object.keys(json.invalidByReason as object).sort(), [
      'bad_encoding', 'bad_timestamp', 'bad_url', 'missing_field', 'not_an_object', 'not_json', 'status_out_of_range', 'too_long', 'wrong_type',
    ]);
    // A copy, not the live counters.
    (json.invalidByReason as Record<string, number>).not_json = 99;
    assert.equal(m.invalidByReason.not_json, 0);
  });
});

describe('startJob: record outputs', () => {
  test('a record output the run does not write is counted as written, without its JSON text being made', async () => {
    let reads = 0;
    const lines = job('lines', 'one line per event')
      .from(clickEvents())
      .toRecords('events', (e, origin) => (e.url === '/skip' ? undefined : { at: origin?.position, get url() { reads++; return e.url; } }));
    const batch = { partition: 0, records: [ev('/a', 200, T0), ev('/skip', 200, T0), ev('/b', 500, T0)], positions: [0, 1, 2] };
    const run = async (outputs: StartJobOptions['outputs']) => {
      reads = 0;
      const handle = startJob(lines, { source: connector('source', fakeSource(from([batch]))), sink: connector('sink', new RecordingPointSink()), ...(outputs === undefined ? {} : { outputs }) });
      await handle.done;
      return { recordsOut: handle.metrics.recordsOut, reads };
    };
    const written = new RecordingLines();
    assert.deepEqual(await run({ events: connector('events', written) }), { recordsOut: 2, reads: 2 });
    assert.deepEqual(written.lines, ['{"at":0,"url":"/a"}', '{"at":2,"url":"/b"}']);
    assert.deepEqual(await run(undefined), { recordsOut: 2, reads: 0 }, 'counted alike, never turned into text');
  });
});

describe('startJob: jobs that move records', () => {
  test('a job whose records move is refused on a source that commits, before any output opens; record outputs it lacks are refused at once', async () => {
    const log: string[] = [];
    const moving = job('moving')
      .from(clickEvents())
      .keyBy((e) => e.user_id)
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(count())
      .toPoints((w, point) => point('n').intField('n', w.value));
    const handle = startJob(moving, {
      source: connector('source', fakeSource(from([{ partition: 0, records: [ev('/a', 200, T0)] }]), log), log),
      sink: connector('sink', new RecordingPointSink(log), log),
    });
    await assert.rejects(handle.done, (e) => e instanceof ConfigError && /moves records between partitions/.test(e.message));
    assert.deepEqual(log, ['open source', 'source.close'], 'the sink never opened');
    assert.throws(
      () => startJob(moving, { source: connector('source', fakeSource(from([]))), sink: connector('sink', new RecordingPointSink()), outputs: { sessions: connector('x', new RecordingLines()) } }),
      /has no record output "sessions"; it writes only points/,
    );
  });
});
