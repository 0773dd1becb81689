import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { from, Subject } from 'rxjs';
import { ClickflowError } from '../../../src/errors/ClickflowError.js';
import { errorRatesJob } from '../../../src/jobs/errorRates/errorRatesJob.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import type { OutputMarks, ResumePoint } from '../../../src/runtime/OutputMarks.js';
import type { Source, SourceCommit } from '../../../src/runtime/Source.js';
import { startJob } from '../../../src/runtime/startJob.js';
import { connector, CountingPointSink, RecordingDeadLetters, RecordingLines, RecordingPointSink } from './fakes.js';

const T0 = 1735689600; // 2025-01-01T00:00:00Z
const PARAMETERS = { windowMs: 10_000, maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0 };
const ev = (url: string, seconds: number) => JSON.stringify({ user_id: 'u', url, http_status: 200, event_timestamp: seconds });

/** A source over `batches` that records each commit with its marks, and resumes from `resume`. */
function resumableSource(batches: Source['batches'], resume?: ResumePoint) {
  const commits: { positions: ReadonlyMap<number, SourceCommit>; marks: OutputMarks | undefined }[] = [];
  const source: Source = {
    batches,
    commit: async (positions, marks) => {
      commits.push({ positions: new Map(positions), marks });
    },
    resumePoint: async () => resume,
  };
  return { source, commits };
}

/**
 * The error-rates job over `source`, committing every second (of mocked time): once it runs,
 * with the warnings it logs and a promise of its first commit.
 */
async function startWithPeriodicCommits(source: Source, deadLetters: RecordingDeadLetters) {
  const handle = startJob(errorRatesJob, {
    source: connector('source', source),
    sink: connector('sink', new RecordingPointSink()),
    deadLetter: connector('dlq', deadLetters),
    parameters: PARAMETERS,
    commitIntervalMs: 1_000,
  });
  const warnings: string[] = [];
  const committed = new Promise<void>((resolve) =>
    handle.events.subscribe((e) => {
      if (e.type === 'log' && e.level === 'warn') warnings.push(e.message);
      if (e.type === 'log' && e.message === 'committed') resolve();
    }),
  );
  await new Promise<void>((resolve) => handle.events.subscribe((e) => e.type === 'status' && e.status === 'RUNNING' && resolve()));
  return { handle, warnings, committed };
}

describe('startJob: exact outputs across restarts', () => {
  test('gives the outputs, not the source, the resume point the source read', async () => {
    const resume: ResumePoint = { committedAtMs: 42, outputBytes: new Map([['file:/out.lp', 7]]) };
    const { source } = resumableSource(from([]), resume);
    const [src, sink, dlq, late] = [
      connector('source', source),
      connector('sink', new RecordingPointSink()),
      connector('dlq', new RecordingDeadLetters()),
      connector('late', new RecordingLines()),
    ];
    await startJob(errorRatesJob, { source: src, sink, deadLetter: dlq, lateOutput: late }).done;
    assert.equal(src.contexts[0]!.resume, undefined);
    for (const output of [sink, dlq, late]) assert.equal(output.contexts[0]!.resume, resume);
  });

  test("each commit carries the time of its snapshot and each resumable output's length at that moment", async () => {
    const { source, commits } = resumableSource(
      from([
        { partition: 0, records: [ev('/a', T0 + 1), ev('/b', T0 + 2)], positions: [0, 1] },
        { partition: 0, records: [ev('/a', T0 + 30)], positions: [2] },
      ]),
    );
    const sink = new CountingPointSink(100);
    const before = Date.now();
    await startJob(errorRatesJob, { source: connector('source', source), sink: connector('sink', sink), parameters: PARAMETERS }).done;
    const last = commits.at(-1)!;
    assert.deepEqual(last.marks!.outputBytes, { 'file:/out.lp': sink.bytesWritten }, 'the final commit covers every point written');
    assert.ok(sink.bytesWritten > 100, 'points were written');
    assert.ok(last.marks!.takenAtMs >= before && last.marks!.takenAtMs <= Date.now());
  });

  test('after a restore replays a partition, records already dead-lettered or sent to the late output are not routed again', async () => {
    const late = ev('/late', T0);
    const first = { partition: 0, records: ['bad 0', ev('/a', T0 + 20), late, 'bad 3'], positions: [0, 1, 2, 3] };
    // A rebalance hands the partition back from an older checkpoint: positions 0–3 come again, then 4.
    const replay = { ...first, records: [...first.records, 'bad 4'], positions: [0, 1, 2, 3, 4], restore: null };
    const dlq = new RecordingDeadLetters();
    const lateOutput = new RecordingLines();
    const { source } = resumableSource(from<RecordBatch<string>[]>([first, replay]));
    await startJob(errorRatesJob, {
      source: connector('source', source),
      sink: connector('sink', new RecordingPointSink()),
      deadLetter: connector('dlq', dlq),
      lateOutput: connector('late', lateOutput),
      parameters: PARAMETERS,
    }).done;
    assert.deepEqual(dlq.records.map((r) => r.position), [0, 3, 4]);
    assert.deepEqual(lateOutput.lines.map((l) => JSON.parse(l).position), [2]);
  });

  test('partitions a fresh group started are committed where they started, with the lengths the outputs opened with, before anything is flushed', async () => {
    const log: string[] = [];
    const { source } = resumableSource(
      from([
        { partition: 0, records: [ev('/a', T0 + 1), 'bad'], positions: [5, 6] },
        { partition: 0, records: [ev('/a', T0 + 30)], positions: [7] },
      ]),
    );
    const starts = new Map([[0, 5]]);
    const startCommits: { starts: [number, number][]; marks: OutputMarks }[] = [];
    const fresh: Source = {
      ...source,
      uncommittedStarts: () => starts.size,
      commitStarts: async (marks) => {
        startCommits.push({ starts: [...starts], marks });
        log.push(`commitStarts ${[...starts.keys()]}`);
        starts.clear();
        // A partition that starts while this commit is on its way is committed before the flush too.
        if (startCommits.length === 1) starts.set(1, 40);
      },
      commit: async (positions, marks) => {
        log.push('commit');
        return source.commit!(positions, marks);
      },
    };
    const sink = new CountingPointSink(100);
    await startJob(errorRatesJob, {
      source: connector('source', fresh),
      sink: connector('sink', sink),
      deadLetter: connector('dlq', new RecordingDeadLetters(log)),
      parameters: PARAMETERS,
    }).done;
    assert.deepEqual(log.slice(0, 4), ['commitStarts 0', 'commitStarts 1', 'dlq.flush', 'commit']);
    assert.deepEqual(startCommits.map((c) => c.starts), [[[0, 5]], [[1, 40]]]);
    for (const { marks } of startCommits) assert.deepEqual(marks.outputBytes, { 'file:/out.lp': 100 }, 'the lengths the outputs opened with');
    assert.ok(sink.bytesWritten > 100, 'points were written after them');
  });

  test('a commit of where partitions started that fails retriably skips that flush; the next one commits them first', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const batches = new Subject<RecordBatch<string>>();
    const log: string[] = [];
    const { source, commits } = resumableSource(batches);
    const starts = new Map([[0, 0]]);
    let attempts = 0;
    const fresh: Source = {
      ...source,
      uncommittedStarts: () => starts.size,
      commitStarts: async () => {
        log.push('commitStarts');
        if (++attempts === 1) throw new ClickflowError('cannot reach Kafka', { retriable: true });
        starts.clear();
      },
    };
    const { handle, warnings, committed } = await startWithPeriodicCommits(fresh, new RecordingDeadLetters(log));
    batches.next({ partition: 0, records: [ev('/a', T0 + 1), 'bad'], positions: [0, 1] });
    t.mock.timers.tick(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['commitStarts'], 'nothing flushed while the partition has no commit');
    assert.match(warnings[0] ?? '', /commit of where partitions started failed, not flushing.*cannot reach Kafka/);
    t.mock.timers.tick(1_000);
    await committed;
    assert.deepEqual(log, ['commitStarts', 'commitStarts', 'dlq.flush']);
    assert.equal(commits.length, 1);
    await handle.cancel();
  });

  test('a periodic flush that fails retriably skips that commit and the job goes on; the next one commits', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const batches = new Subject<RecordBatch<string>>();
    const { source, commits } = resumableSource(batches);
    const dlq = new RecordingDeadLetters();
    let flushes = 0;
    dlq.flush = async () => {
      if (++flushes === 1) throw new ClickflowError('cannot reach Kafka', { retriable: true });
    };
    const { handle, warnings, committed } = await startWithPeriodicCommits(source, dlq);
    batches.next({ partition: 0, records: [ev('/a', T0 + 1), 'bad'], positions: [0, 1] });
    t.mock.timers.tick(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(commits.length, 0, 'nothing committed past an unflushed output');
    assert.match(warnings[0] ?? '', /flush failed, not committing.*cannot reach Kafka/);
    t.mock.timers.tick(1_000);
    await committed;
    assert.equal(commits.length, 1);
    await handle.cancel();
    assert.equal(handle.status, 'CANCELED');
  });

  test('the final flush and commit are retried while they fail retriably; past the budget the job fails', async () => {
    const retry = { initialDelayMs: 5, maxDelayMs: 20, factor: 2, jitter: 0, maxElapsedMs: 2_000 };
    const failure = new ClickflowError('cannot reach Kafka', { retriable: true });
    const run = (failingFlushes: number, failingCommits: number) => {
      const dlq = new RecordingDeadLetters();
      let flushes = 0;
      dlq.flush = async () => {
        if (++flushes <= failingFlushes) throw failure;
      };
      const { source, commits } = resumableSource(from([{ partition: 0, records: ['bad'], positions: [0] }]));
      let commitCalls = 0;
      const flaky: Source = {
        ...source,
        commit: async (positions, marks) => {
          if (++commitCalls <= failingCommits) throw failure;
          return source.commit!(positions, marks);
        },
      };
      const handle = startJob(errorRatesJob, {
        source: connector('source', flaky),
        sink: connector('sink', new RecordingPointSink()),
        deadLetter: connector('dlq', dlq),
        finalFlushRetry: retry,
      });
      const warnings: string[] = [];
      handle.events.subscribe((e) => e.type === 'log' && e.level === 'warn' && warnings.push(e.message));
      return { handle, commits, warnings, flushes: () => flushes };
    };

    const recovered = run(2, 1);
    await recovered.handle.done;
    assert.equal(recovered.handle.status, 'FINISHED');
    assert.equal(recovered.commits.length, 1, 'committed once the broker answered');
    assert.equal(recovered.warnings.filter((w) => /the last flush or commit failed, retrying in \d+ ms: cannot reach Kafka/.test(w)).length, 3);

    const gaveUp = run(Infinity, 0);
    await assert.rejects(gaveUp.handle.done, (e) => e === failure);
    assert.equal(gaveUp.handle.status, 'FAILED');
    assert.equal(gaveUp.commits.length, 0, 'nothing committed past an unflushed output');
    assert.ok(gaveUp.flushes() > 3, `retried ${gaveUp.flushes()} times before giving up`);
  });
});
