import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { from, Subject, type Observable } from 'rxjs';
import type { InvalidRecord } from '../../../src/events/InvalidRecord.js';
import { errorRatesJob } from '../../../src/jobs/errorRates/errorRatesJob.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { BackpressureGate } from '../../../src/runtime/BackpressureGate.js';
import type { DeadLetterSink } from '../../../src/runtime/DeadLetterSink.js';
import { JobMetrics } from '../../../src/runtime/JobMetrics.js';
import type { LineSink } from '../../../src/runtime/LineSink.js';
import { runJob } from '../../../src/runtime/runJob.js';
import type { Source, SourceCommit } from '../../../src/runtime/Source.js';

const T0 = 1735689600; // 2025-01-01T00:00:00Z, a multiple of 10 s
const WINDOWING = { windowMs: 10_000, maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0 };

const ev = (url: string, status: number, seconds: number) =>
  JSON.stringify({ user_id: 'u', url, http_status: status, event_timestamp: seconds });

/** A sink that records what it is told, in order, into a shared log. */
class RecordingSink implements LineSink {
  readonly lines: string[] = [];
  closed = false;
  constructor(private readonly log: string[] = [], private readonly flushError?: Error) {}
  write(lines: readonly string[]): void {
    this.lines.push(...lines);
  }
  async flush(): Promise<void> {
    this.log.push('sink.flush');
    if (this.flushError !== undefined) throw this.flushError;
  }
  async close(): Promise<void> {
    this.log.push('sink.close');
    this.closed = true;
  }
}

class RecordingDeadLetters implements DeadLetterSink {
  readonly records: InvalidRecord[] = [];
  closed = false;
  constructor(private readonly log: string[] = []) {}
  write(record: InvalidRecord): void {
    this.records.push(record);
  }
  async flush(): Promise<void> {
    this.log.push('dlq.flush');
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function source(batches: Observable<RecordBatch<string>>, log: string[] = []): Source & { commits: ReadonlyMap<number, SourceCommit>[]; closed: boolean } {
  const s = {
    batches,
    commits: [] as ReadonlyMap<number, SourceCommit>[],
    closed: false,
    async commit(commits: ReadonlyMap<number, SourceCommit>) {
      log.push('source.commit');
      s.commits.push(new Map(commits));
    },
    async close() {
      s.closed = true;
    },
  };
  return s;
}

describe('runJob', () => {
  test('runs a bounded source to the end: metrics, lines, dead letters, late records, closes', async () => {
    const p0 = [ev('/a', 200, T0 + 1), 'not json', ev('/a', 503, T0 + 2), ev('/a', 200, T0 + 16), ev('/b', 404, T0 + 3)];
    const p1 = [ev('/c', 200, T0 + 4), '{"url":"/c"}'];
    const log: string[] = [];
    const sink = new RecordingSink(log);
    const dlq = new RecordingDeadLetters(log);
    const late = new RecordingSink();
    const src = source(
      from([
        { partition: 0, records: p0.slice(0, 3), positions: [0, 1, 2] },
        { partition: 1, records: p1, positions: [40, 41] },
        { partition: 0, records: p0.slice(3), positions: [3, 4] },
      ]),
      log,
    );
    const metrics = await runJob({ job: errorRatesJob, windowing: WINDOWING, source: src, sink, deadLetters: dlq, lateOutput: late });

    assert.equal(metrics.recordsIn, 7);
    assert.equal(metrics.invalidRecords, 2);
    assert.equal(metrics.invalidByReason.not_json, 1);
    assert.equal(metrics.invalidByReason.missing_field, 1);
    assert.deepEqual(dlq.records.map((r) => [r.partition, r.position, r.reason]), [
      [0, 1, 'not_json'],
      [1, 41, 'missing_field'],
    ]);
    // Partition 0: [T0, T0+10) fires on T0+16 (≥ 10 + 5), so /b at T0+3 is late; [T0+10, T0+20) at the end.
    // Partition 1: [T0, T0+10) at the end.
    assert.equal(metrics.lateRecords, 1);
    assert.equal(late.lines.length, 1);
    const lateRecord = JSON.parse(late.lines[0]!) as { partition: number; position: number; event_time: string; record: { url: string } };
    assert.deepEqual([lateRecord.partition, lateRecord.position, lateRecord.event_time, lateRecord.record.url], [0, 4, '2025-01-01T00:00:03.000Z', '/b']);
    assert.equal(metrics.windowsFired, 3);
    const rates = sink.lines.filter((l) => l.startsWith('error_rates'));
    assert.deepEqual(rates, [
      `error_rates,partition=0 total=2i,errors=1i,client_errors=0i,server_errors=1i,rate=0.5 ${T0}000000000`,
      `error_rates,partition=0 total=1i,errors=0i,client_errors=0i,server_errors=0i,rate=0 ${T0 + 10}000000000`,
      `error_rates,partition=1 total=1i,errors=0i,client_errors=0i,server_errors=0i,rate=0 ${T0}000000000`,
    ]);
    assert.equal(metrics.pointsOut, sink.lines.length);
    assert.ok(Number.isFinite(metrics.watermarks.get(0)) && Number.isFinite(metrics.watermarks.get(1)));

    // Everything is flushed before the final commit, which covers both partitions to their end.
    assert.ok(log.indexOf('sink.flush') < log.indexOf('source.commit'), log.join());
    assert.ok(log.indexOf('dlq.flush') < log.indexOf('source.commit'), log.join());
    // Partition 0 ends with a valid (late) record at 4: every window fired, resume at 5.
    assert.equal(src.commits.at(-1)!.get(0)!.safePosition, 5);
    assert.ok(sink.closed && dlq.closed && late.closed && src.closed);
  });

  test(
    'the final commit also covers an invalid record at the end of a partition',
    async () => {
      const src = source(from([{ partition: 1, records: [ev('/c', 200, T0 + 4), '{"url":"/c"}'], positions: [40, 41] }]));
      const dlq = new RecordingDeadLetters();
      await runJob({ job: errorRatesJob, windowing: WINDOWING, source: src, sink: new RecordingSink(), deadLetters: dlq });
      assert.equal(dlq.records.length, 1);
      // Every window fired and position 41 was dead-lettered: nothing before 42 is needed again.
      assert.equal(src.commits.at(-1)!.get(1)!.safePosition, 42);
    },
  );

  test('without a dead-letter sink, invalid records are counted only', async () => {
    const sink = new RecordingSink();
    const metrics = await runJob({
      job: errorRatesJob,
      windowing: WINDOWING,
      source: { batches: from([{ partition: 0, records: ['x', '[]', ev('/a', 200, T0)] }]) },
      sink,
    });
    assert.equal(metrics.invalidRecords, 2);
    assert.equal(metrics.invalidByReason.not_json, 1);
    assert.equal(metrics.invalidByReason.not_an_object, 1);
    assert.equal(metrics.windowsFired, 1);
  });

  test('uses the metrics object it is given', async () => {
    const metrics = new JobMetrics();
    const returned = await runJob({
      job: errorRatesJob,
      windowing: WINDOWING,
      source: { batches: from([{ partition: 0, records: [ev('/a', 200, T0)] }]) },
      sink: new RecordingSink(),
      metrics,
    });
    assert.equal(returned, metrics);
    assert.equal(metrics.recordsIn, 1);
  });

  test("a sink's flush failure rejects the run, and every output is still closed", async () => {
    const failure = new Error('disk full');
    const sink = new RecordingSink([], failure);
    const dlq = new RecordingDeadLetters();
    const src = source(from([{ partition: 0, records: [ev('/a', 200, T0)], positions: [0] }]));
    await assert.rejects(runJob({ job: errorRatesJob, windowing: WINDOWING, source: src, sink, deadLetters: dlq }), (e) => e === failure);
    assert.equal(src.commits.length, 0, 'nothing is committed past unwritten output');
    assert.ok(sink.closed && dlq.closed && src.closed);
  });

  test('a failing source rejects the run', async () => {
    const batches = new Subject<RecordBatch<string>>();
    const sink = new RecordingSink();
    const run = runJob({ job: errorRatesJob, windowing: WINDOWING, source: { batches }, sink });
    const failure = new Error('cannot read');
    batches.error(failure);
    await assert.rejects(run, (e) => e === failure);
    assert.ok(sink.closed);
  });

  test('abort stops reading, leaves open windows unfired and resolves after flushing', async () => {
    const batches = new Subject<RecordBatch<string>>();
    const controller = new AbortController();
    const sink = new RecordingSink();
    const src = source(batches);
    const run = runJob({ job: errorRatesJob, windowing: WINDOWING, source: src, sink, signal: controller.signal });
    batches.next({ partition: 0, records: [ev('/a', 200, T0 + 1), ev('/a', 200, T0 + 16)], positions: [0, 1] });
    controller.abort();
    batches.next({ partition: 0, records: [ev('/a', 200, T0 + 40)], positions: [2] });
    const metrics = await run;
    assert.equal(metrics.recordsIn, 2, 'nothing is read after the abort');
    // [T0, T0+10) fired on T0+16; [T0+10, T0+20) holds T0+16 and was not fired.
    assert.equal(metrics.windowsFired, 1);
    assert.ok(sink.lines.every((l) => l.endsWith(`${T0}000000000`)));
    // The commit keeps position 1 (in the unfired window) for a restart to re-read.
    assert.equal(src.commits.at(-1)!.get(0)!.safePosition, 1);
    assert.ok(sink.closed && src.closed);
  });

  test('flushes and commits periodically while the source is still open', async () => {
    const batches = new Subject<RecordBatch<string>>();
    const controller = new AbortController();
    const log: string[] = [];
    const src = source(batches, log);
    const run = runJob({ job: errorRatesJob, windowing: WINDOWING, source: src, sink: new RecordingSink(log), signal: controller.signal, commitIntervalMs: 5 });
    batches.next({ partition: 0, records: [ev('/a', 200, T0 + 1)], positions: [7] });
    const deadline = Date.now() + 2_000;
    while (src.commits.length === 0 && Date.now() < deadline) await delay(5);
    assert.ok(src.commits.length > 0, 'a commit happened before the end of input');
    assert.equal(src.commits[0]!.get(0)!.safePosition, 7, 'the open window still needs position 7');
    controller.abort();
    await run;
  });
});

describe('BackpressureGate', () => {
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
    await delay(5);
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
    await delay(2);
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
    m.invalidByReason.wrong_type += 2;
    m.invalidByReason.status_out_of_range += 3;
    assert.equal(m.invalidRecords, 5);
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
