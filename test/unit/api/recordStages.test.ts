import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { from } from 'rxjs';
import { clickEvents } from '../../../src/api/clickEvents.js';
import { job } from '../../../src/api/job.js';
import { json } from '../../../src/api/json.js';
import type { ClickEvent } from '../../../src/events/ClickEvent.js';
import { count } from '../../../src/operators/aggregates/count.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { startJob } from '../../../src/runtime/startJob.js';
import { connector, fakeSource, RecordingDeadLetters, RecordingLines, RecordingPointSink } from '../runtime/fakes.js';
import { click, collect, raw, runPipeline, T0 } from './harness.js';

/** What the job below windows: a record `map` made, without an event time of its own. */
interface Slim {
  readonly url: string;
  readonly status: number;
}

/**
 * filter → map → validate → 10 s windows (no out-of-orderness), each window's URLs as one point:
 * `seen,partition=<p> urls="<url> <url> …",n=<count>i <window start>`.
 */
const staged = job('staged', 'filter, map and validate before a window')
  .from(clickEvents())
  .withMaxOutOfOrderness(0)
  .filter((e) => e.url !== '/skip')
  .map((e): Slim => ({ url: e.url.toUpperCase(), status: e.http_status ?? 0 }))
  .validate((s) => (s.status === 418 ? { reason: 'teapot', detail: `${s.url} answered 418` } : null))
  .window(TumblingEventTimeWindows.of('10s'))
  .aggregate(collect<Slim>())
  .toPoints((w, point) => point('seen').stringField('urls', w.value.map((s) => s.url).join(' ')).intField('n', w.value.length));

const ns = (seconds: number) => `${seconds}000000000`;

describe('filter, map and validate', () => {
  test('keep positions, safe positions and end positions exact across dropped records, and a map keeps event times', async () => {
    const first = [
      click('/a', 200, T0 + 1), //    100 kept
      click('/skip', 200, T0 + 2), // 101 filtered: dropped, unreported
      'oops', //                      102 not_json
      click('/t', 418, T0 + 3), //    103 teapot
      click('/b', 200, T0 + 12), //   104 kept; the watermark T0+11.999 fires [T0, T0+10)
    ];
    const second = [
      click('/skip', 200, T0 + 25), // 105 filtered: it moves the watermark on all the same
      '{', //                          106 not_json
    ];
    const run = await runPipeline(staged, [raw(3, first, 100), raw(3, second, 105)]);
    assert.deepEqual(
      run.outputs.map((o) => [o.partition, o.safePosition, o.nextPosition, o.watermarkMs, o.windowsFired]),
      [
        [3, 104, 105, (T0 + 12) * 1000 - 1, 1], // [T0+10, T0+20) holds position 104
        [3, 107, 107, (T0 + 25) * 1000 - 1, 1], // the source's watermark fires [T0+10, T0+20); the dropped records count as read
        [3, 107, 107, (T0 + 25) * 1000 - 1, 0], // end of input: nothing left to fire
      ],
    );
    // The mapped records have no time of their own: they are windowed by the time the format read.
    assert.deepEqual(run.lines, [`seen,partition=3 urls="/A",n=1i ${ns(T0)}`, `seen,partition=3 urls="/B",n=1i ${ns(T0 + 10)}`]);
    assert.deepEqual(
      run.invalid.map((r) => [r.partition, r.position, r.reason, r.raw]),
      [
        [3, 102, 'not_json', 'oops'],
        [3, 103, 'teapot', first[3]],
        [3, 106, 'not_json', '{'],
      ],
    );
    assert.equal(run.invalid[1]!.detail, '/T answered 418');
  });

  test('records a filter drops move the watermark on as the source’s own: windows fire and late records are late as without the filter', async () => {
    // The filter keeps /a only; /b records are what moves time on.
    const onlyA = job('only-a', 'the /a records per 10 s window')
      .from(clickEvents())
      .withMaxOutOfOrderness(0)
      .filter((e) => e.url === '/a')
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(count())
      .toPoints((w, point) => point('a').intField('n', w.value));
    const batches = [
      raw(0, [click('/a', 200, T0 + 1), click('/b', 200, T0 + 5), click('/b', 200, T0 + 14)], 0),
      raw(0, [click('/a', 200, T0 + 2), click('/b', 200, T0 + 21), click('/a', 200, T0 + 22)], 3), // /a at T0+2 is late by /b's T0+13.999
      raw(0, [click('/b', 200, T0 + 40)], 6),
    ];
    const run = await runPipeline(onlyA, batches);
    // Without the filter's records the first window would wait for the next /a after T0+10.
    assert.deepEqual(run.outputs.map((o) => o.windowsFired), [1, 0, 1, 0]);
    assert.deepEqual(run.lines, [`a,partition=0 n=1i ${ns(T0)}`, `a,partition=0 n=1i ${ns(T0 + 20)}`]);
    assert.deepEqual(run.late.map((l) => [l.position, l.eventTimeMs / 1000 - T0, l.watermarkMs]), [[3, 2, (T0 + 14) * 1000 - 1]]);

    // From the checkpoint after the second batch, the third gives what it gave in the whole run.
    const second = run.outputs[1]!;
    assert.deepEqual([second.safePosition, second.nextPosition], [5, 6]);
    const resumed = await runPipeline(onlyA, [
      raw(0, [click('/a', 200, T0 + 22)], 5, { restore: { maxTimestampMs: second.maxTimestampMs, replayUntil: second.nextPosition } }),
      batches[2]!,
    ]);
    assert.deepEqual(resumed.lines, [`a,partition=0 n=1i ${ns(T0 + 20)}`]);
    assert.deepEqual(resumed.late, []);
  });

  test('a batch whose records are all dropped still reports the partition’s progress', async () => {
    const run = await runPipeline(staged, [raw(0, [click('/a', 200, T0 + 1)], 7), raw(0, [click('/skip', 200, T0 + 2), click('/x', 418, T0 + 3)], 8)]);
    assert.deepEqual(
      run.outputs.map((o) => [o.safePosition, o.nextPosition]),
      [
        [7, 8],
        [7, 10],
        [10, 10],
      ],
    );
  });

  test('a late record after a map is reported with the mapped record and the raw record as read', async () => {
    const late = click('/late', 200, T0 + 2);
    const run = await runPipeline(staged, [raw(0, [click('/a', 200, T0 + 1), click('/b', 200, T0 + 15), late])]);
    assert.equal(run.late.length, 1);
    assert.deepEqual(run.late[0]!.record, { url: '/LATE', status: 200 });
    assert.equal(run.late[0]!.raw, late);
    assert.equal(run.late[0]!.eventTimeMs, (T0 + 2) * 1000);
    assert.equal(run.late[0]!.position, 2);
    assert.equal(run.outputs.reduce((n, o) => n + o.lateRecords, 0), 1);
  });

  test('records replayed after a restore are not dead-lettered by validate again', async () => {
    const records = [click('/t', 418, T0 + 1), click('/a', 200, T0 + 2), click('/t', 418, T0 + 3)];
    const run = await runPipeline(staged, [raw(0, records, 20, { restore: { maxTimestampMs: (T0 + 2) * 1000, replayUntil: 22 } })]);
    assert.deepEqual(
      run.invalid.map((r) => [r.position, r.reason]),
      [[22, 'teapot']],
    );
  });

  test('filter drops records on purpose: no dead letter, no invalid count', async () => {
    const dlq = new RecordingDeadLetters();
    const handle = startJob(staged, {
      source: connector('source', fakeSource(from([raw(0, [click('/skip', 200, T0), click('/a', 200, T0)])]))),
      sink: connector('sink', new RecordingPointSink()),
      deadLetter: connector('dlq', dlq),
    });
    const metrics = await handle.done;
    assert.deepEqual(dlq.records, []);
    assert.equal(metrics.invalidRecords, 0);
    assert.equal(metrics.recordsIn, 2);
  });
});

describe('a job’s own reasons', () => {
  test('a validate() reason and a format validator’s reason reach the dead-letter output and the metrics', async () => {
    const noBots = (value: unknown) => ((value as ClickEvent).user_id === 'bot' ? { reason: 'bot', detail: 'user_id is a known bot' } : null);
    const checked = job('checked')
      .from(clickEvents(noBots))
      .validate((e) => (e.url.startsWith('/') ? null : { reason: 'relative_url', detail: `url ${e.url} has no leading /` }))
      .window(TumblingEventTimeWindows.of('10s'))
      .aggregate(count())
      .toPoints((w, point) => point('n').intField('n', w.value));
    const records = [click('/a', 200, T0), click('a', 200, T0), click('/b', 200, T0, { user_id: 'bot' }), click('b', 500, T0)];
    const dlq = new RecordingDeadLetters();
    const sink = new RecordingPointSink();
    const metrics = await startJob(checked, {
      source: connector('source', fakeSource(from([raw(2, records, 50)]))),
      sink: connector('sink', sink),
      deadLetter: connector('dlq', dlq),
    }).done;
    assert.deepEqual(
      dlq.records.map((r) => [r.partition, r.position, r.reason, r.detail, r.raw]),
      [
        [2, 52, 'bot', 'user_id is a known bot', records[2]], // the format's validators run first, while parsing
        [2, 51, 'relative_url', 'url a has no leading /', records[1]],
        [2, 53, 'relative_url', 'url b has no leading /', records[3]],
      ],
    );
    assert.equal(metrics.invalidByReason.relative_url, 2);
    assert.equal(metrics.invalidByReason.bot, 1);
    assert.equal(metrics.invalidRecords, 3);
    assert.deepEqual(sink.lines, [`n,partition=2 n=1i ${ns(T0)}`]);
  });
});

describe('a function of the job that throws fails the job with its error', () => {
  const records = [click('/a', 200, T0), click('/b', 200, T0 + 1)];

  async function failsWith(build: (boom: Error) => Parameters<typeof startJob>[0]) {
    const boom = new Error('bug in the job');
    const log: string[] = [];
    const dlq = new RecordingDeadLetters(log);
    const sink = new RecordingPointSink(log);
    const source = fakeSource(from([raw(0, records)]), log);
    const handle = startJob(build(boom), { source: connector('source', source), sink: connector('sink', sink), deadLetter: connector('dlq', dlq) });
    await assert.rejects(handle.done, (e) => e === boom);
    assert.equal(handle.status, 'FAILED');
    assert.deepEqual(dlq.records, [], 'not a dead letter');
    assert.equal(handle.metrics.invalidRecords, 0);
    assert.deepEqual(source.commits, [], 'nothing committed');
    assert.ok(sink.closed && dlq.closed && source.closed);
  }

  const base = () => job('buggy').from(clickEvents());

  test('a validate() check', () =>
    failsWith((boom) =>
      base()
        .validate(() => {
          throw boom;
        })
        .window(TumblingEventTimeWindows.of('10s'))
        .aggregate(count())
        .toPoints((w, point) => point('n').intField('n', w.value)),
    ));

  test('a map function', () =>
    failsWith((boom) =>
      base()
        .map(() => {
          throw boom;
        })
        .window(TumblingEventTimeWindows.of('10s'))
        .aggregate(count())
        .toPoints((w, point) => point('n').intField('n', w.value)),
    ));

  test('a filter predicate', () =>
    failsWith((boom) =>
      base()
        .filter(() => {
          throw boom;
        })
        .window(TumblingEventTimeWindows.of('10s'))
        .aggregate(count())
        .toPoints((w, point) => point('n').intField('n', w.value)),
    ));

  // On the source's own partitioning: a job whose records move does not run on a source that commits (this fake one does).
  test('a key selector', () =>
    failsWith((boom) =>
      base()
        .keyBy(
          () => {
            throw boom;
          },
          { sourcePartitioned: true },
        )
        .window(TumblingEventTimeWindows.of('10s'))
        .aggregate(count())
        .toPoints((w, point) => point('n').intField('n', w.value)),
    ));

  test('toPoints', () =>
    failsWith((boom) =>
      base()
        .window(TumblingEventTimeWindows.of('10s'))
        .aggregate(count())
        .toPoints(() => {
          throw boom;
        }),
    ));

  test(
    'a validator of the format (json / clickEvents): documented to stop the job, not to dead-letter the record',
    () =>
      failsWith((boom) =>
        job('buggy-format')
          .from(
            json<ClickEvent>({
              validate: () => {
                throw boom;
              },
              eventTime: () => 0,
            }),
          )
          .window(TumblingEventTimeWindows.of('10s'))
          .aggregate(count())
          .toPoints((w, point) => point('n').intField('n', w.value)),
      ),
  );
});

describe('late output through startJob', () => {
  test('a late record after a map is written with the raw record as read', async () => {
    const lateRecord = click('/late', 200, T0 + 2);
    const late = new RecordingLines();
    await startJob(staged, {
      source: connector('source', fakeSource(from([raw(0, [click('/a', 200, T0 + 1), click('/b', 200, T0 + 15), lateRecord])]))),
      sink: connector('sink', new RecordingPointSink()),
      lateOutput: connector('late', late),
    }).done;
    assert.equal(late.lines.length, 1);
    assert.equal((JSON.parse(late.lines[0]!) as { raw: string }).raw, lateRecord);
  });
});
