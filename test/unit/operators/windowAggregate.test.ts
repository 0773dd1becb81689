import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { finalize, from, map, Observable, Subject, throwError, concat, of, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import type { AggregateFunction } from '../../../src/operators/AggregateFunction.js';
import { count } from '../../../src/operators/aggregates/count.js';
import { keyedBy } from '../../../src/operators/aggregates/keyedBy.js';
import { EventTimeSessionWindows } from '../../../src/operators/EventTimeSessionWindows.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import type { Trigger } from '../../../src/operators/Trigger.js';
import { SlidingEventTimeWindows } from '../../../src/operators/SlidingEventTimeWindows.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { windowAggregate, type WindowAggregateOptions } from '../../../src/operators/windowAggregate.js';
import type { LateRecord, WindowedBatch } from '../../../src/operators/WindowResult.js';
import { batch, collectIds, evs, firingsOf, runInterrupted, runSync, timeOf, type Ev } from './reference.js';

const tumbling10 = (o: Partial<WindowAggregateOptions<Ev, { n: number }, number>> = {}) =>
  windowAggregate<Ev, { n: number }, number>({
    windows: TumblingEventTimeWindows.of(10),
    eventTimeOf: timeOf,
    maxOutOfOrdernessMs: 0,
    aggregate: count(),
    ...o,
  });

/** `start:count` of each window fired in a batch, comma-separated; '' when none. */
const fired = (b: WindowedBatch<number>) => b.results.map((r) => `${r.startMs}:${r.value}`).join(',');

const newScheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

describe('windowAggregate: marble timing (event time, not wall time)', () => {
  it('a window waits through any wall-clock gap and fires when event time passes its end', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold<RecordBatch<Ev>>('a 10m b c |', {
        a: batch(evs(0, [1], 0)),
        b: batch(evs(0, [5], 1)), // ten minutes of wall time later, still on time for [0,10)
        c: batch(evs(0, [10], 2)),
      });
      expectObservable(source.pipe(tumbling10(), map(fired))).toBe('x 10m y z (f|)', {
        x: '',
        y: '',
        z: '0:2',
        f: '10:1', // end of input fires the open window
      });
    });
  });

  it('fires at once, in the same frame, when a batch moves event time far ahead', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const source = hot<RecordBatch<Ev>>('-a-b-c-|', {
        a: batch(evs(0, [1, 2, 3], 0)),
        b: batch(evs(0, [11, 25], 3)), // passes [0,10) and [10,20) within one batch
        c: batch(evs(0, [26], 5)),
      });
      expectObservable(source.pipe(tumbling10(), map(fired))).toBe('-x-y-z-(f|)', {
        x: '',
        y: '0:3,10:1',
        z: '',
        f: '20:2',
      });
    });
  });

  it('emits the same values whatever the wall-clock spacing of the batches', () => {
    const values = {
      a: batch(evs(0, [3, 7], 0)),
      b: batch(evs(0, [12], 2)),
      c: batch(evs(0, [4], 3)), // late: [0,10) fired at 12
      d: batch(evs(0, [31], 4)),
    };
    const expected = { p: '', q: '0:2', r: '', s: '10:1' };
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('abcd|', values).pipe(tumbling10(), map(fired))).toBe('pqrs(t|)', { ...expected, t: '30:1' });
    });
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a 60m b 1ms c 180m d 5s |', values).pipe(tumbling10(), map(fired))).toBe(
        'p 60m q 1ms r 180m s 5s (t|)',
        { ...expected, t: '30:1' },
      );
    });
  });

  it('reports lateness and watermarks per batch as it goes', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold<RecordBatch<Ev>>('a-b-c|', {
        a: batch(evs(0, [1, 12], 0)),
        b: batch(evs(0, [2, 13], 2)),
        c: batch(evs(0, [], 4), { partition: 0 }),
      });
      expectObservable(
        source.pipe(
          tumbling10(),
          map((o) => `${o.watermarkMs}/${o.lateRecords}`),
        ),
      ).toBe('a-b-c(d|)', { a: '11/0', b: '12/1', c: '12/0', d: '12/0' });
    });
  });

  it('keeps partitions apart on an interleaved hot source', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const source = hot<RecordBatch<Ev>>('a-b-c-d-|', {
        a: batch(evs(0, [1], 0)),
        b: batch(evs(1, [100], 0)), // far ahead on partition 1: fires nothing of partition 0
        c: batch(evs(0, [5, 10], 1)),
        d: batch(evs(1, [2], 1)), // late on partition 1 only
      });
      expectObservable(source.pipe(tumbling10(), map((o) => `${o.partition}|${fired(o)}|${o.lateRecords}`))).toBe(
        'a-b-c-d-(ef|)',
        { a: '0||0', b: '1||0', c: '0|0:2|0', d: '1||1', e: '0|10:1|0', f: '1|100:1|0' },
      );
    });
  });
});

describe('windowAggregate: progress fields', () => {
  it('reports watermark, highest time, safe and next position for every batch', () => {
    const { outputs } = runSync(
      [
        batch(evs(0, [1, 4], 10)),
        batch(evs(0, [12], 12)),
        { partition: 0, records: [], positions: [] },
        batch(evs(0, [30], 20)),
      ],
      tumbling10({ maxOutOfOrdernessMs: 2 }),
    );
    assert.deepEqual(
      outputs.map((o) => [o.partition, o.watermarkMs, o.maxTimestampMs, o.safePosition, o.nextPosition, fired(o)]),
      [
        [0, 1, 4, 10, 12, ''],
        [0, 9, 12, 12, 13, '0:2'], // 12 >= 10 + 2 fires [0,10); [10,20) starts at 12
        [0, 9, 12, 12, 13, ''], // an empty batch still reports progress
        [0, 27, 30, 20, 21, '10:1'],
        [0, 27, 30, 21, 21, '30:1'], // end of input: all fired, nothing open
      ],
    );
  });

  it('reports -Infinity before a partition has any record', () => {
    const { outputs } = runSync([{ partition: 4, records: [] }], tumbling10());
    assert.equal(outputs[0]!.watermarkMs, -Infinity);
    assert.equal(outputs[0]!.maxTimestampMs, -Infinity);
    assert.equal(outputs[0]!.partition, 4);
  });
});

describe('windowAggregate: partitions', () => {
  it('gives each partition its own watermark', () => {
    const late: LateRecord<Ev>[] = [];
    const { outputs } = runSync(
      [batch(evs(0, [1, 2])), batch(evs(1, [500])), batch(evs(0, [3], 2)), batch(evs(1, [5], 1))],
      windowAggregate({ windows: TumblingEventTimeWindows.of(10), eventTimeOf: timeOf, maxOutOfOrdernessMs: 0, aggregate: collectIds(), onLate: (l) => late.push(l) }),
    );
    // Partition 1 at 500 neither fires partition 0's [0,10) nor makes 3 late there.
    assert.deepEqual(outputs[2]!.results, []);
    assert.equal(outputs[2]!.watermarkMs, 2);
    assert.equal(outputs[1]!.watermarkMs, 499);
    assert.deepEqual(
      late.map((l) => [l.partition, l.eventTimeMs]),
      [[1, 5]],
    );
    assert.deepEqual(firingsOf(outputs, 0).map((f) => f.ids), [[0, 1, 2]]);
  });

  it('flushes every partition at the end of input, in ascending partition order, then completes', () => {
    const { outputs, completed } = runSync(
      [batch(evs(2, [1])), batch(evs(0, [7])), batch(evs(1, [15]))],
      tumbling10(),
    );
    assert.equal(completed, true);
    assert.deepEqual(
      outputs.slice(3).map((o) => [o.partition, fired(o)]),
      [
        [0, '0:1'],
        [1, '10:1'],
        [2, '0:1'],
      ],
    );
  });

  it('a partition without open windows still reports at the end, with no results', () => {
    const { outputs } = runSync([{ partition: 3, records: [] }, batch(evs(0, [1]))], tumbling10());
    assert.deepEqual(
      outputs.map((o) => `${o.partition}|${fired(o)}`),
      ['3|', '0|', '0|0:1', '3|'],
    );
  });

  it('a revoked partition drops its windows unfired and emits nothing for the revocation', () => {
    const { outputs } = runSync(
      [batch(evs(0, [1, 2])), batch(evs(1, [3])), { partition: 0, records: [], revoked: true }],
      tumbling10(),
    );
    assert.deepEqual(
      outputs.map((o) => [o.partition, fired(o)]),
      [
        [0, ''],
        [1, ''],
        [1, '0:1'], // only partition 1 is flushed
      ],
    );
  });

  it('a partition assigned again after a revocation starts from nothing', () => {
    const { outputs } = runSync(
      [batch(evs(0, [1, 2])), { partition: 0, records: [], revoked: true }, batch(evs(0, [4], 7))],
      tumbling10(),
    );
    // the two records before the revocation are gone: the flush fires [0,10) with one record
    assert.deepEqual(outputs.map(fired), ['', '', '0:1']);
    assert.equal(outputs[1]!.nextPosition, 8);
  });

  it('a batch with restore replaces the partition state, even when it already had some', () => {
    const { outputs } = runSync(
      [
        batch(evs(0, [1, 2, 3])),
        // restart: watermark from the checkpoint, positions 0..2 replayed into the windows
        batch(evs(0, [1, 2, 3]), { restore: { maxTimestampMs: 3, replayUntil: 3 } }),
        batch(evs(0, [12], 3)),
      ],
      tumbling10(),
    );
    // [0,10) holds 3 records, not 6
    assert.deepEqual(outputs.map(fired), ['', '', '0:3', '10:1']);
  });

  it('restore: null starts the partition fresh', () => {
    const { outputs } = runSync(
      [batch(evs(0, [1, 2])), batch(evs(0, [5], 2), { restore: null }), batch(evs(0, [10], 3))],
      tumbling10(),
    );
    assert.deepEqual(outputs.map(fired), ['', '', '0:1', '10:1']);
  });

  it("endOfInput fires that partition's open windows, reports it at its end, and leaves the others open", () => {
    const { outputs } = runSync(
      [
        batch(evs(0, [1, 2, 12])),
        batch(evs(1, [3, 4])),
        // read up to offset 5 (positions 3 and 4 held no record: a transaction marker, say)
        { partition: 0, records: [], endPosition: 5, endOfInput: true },
        batch(evs(1, [5], 2)),
      ],
      tumbling10(),
    );
    assert.deepEqual(
      outputs.map((o) => [o.partition, fired(o), o.safePosition, o.nextPosition]),
      [
        [0, '0:2', 2, 3],
        [1, '', 0, 2],
        [0, '10:1', 5, 5], // [10,20) fired before the watermark reached it; nothing holds a position
        [1, '', 0, 3], // partition 1's window stays open
        [1, '0:3', 3, 3], // ... until the input ends; partition 0 has no state left to flush
      ],
    );
  });

  it('endOfInput with restore: a partition assigned at its end restores its watermark, fires nothing and reports its end', () => {
    const { outputs } = runSync(
      [{ partition: 2, records: [], endPosition: 40, endOfInput: true, restore: { maxTimestampMs: 99, replayUntil: 40 } }],
      tumbling10(),
    );
    assert.deepEqual(
      outputs.map((o) => [o.partition, fired(o), o.maxTimestampMs, o.safePosition, o.nextPosition]),
      [[2, '', 99, 40, 40]],
    );
  });
});

describe('windowAggregate: restore and replay through the operator', () => {
  it('replay + continue emits exactly what an uninterrupted run emits', () => {
    // hopping windows with allowed lateness: size 10, slide 5, ooo 2, lateness 6
    const options = {
      windows: SlidingEventTimeWindows.of(10, 5),
      eventTimeOf: timeOf,
      maxOutOfOrdernessMs: 2,
      allowedLatenessMs: 6,
      aggregate: collectIds(),
    };
    const records = evs(0, [1, 4, 8, 13, 3, 17, 9, 22, 12, 2, 30, 26, 41]);
    const all = runSync(records.map((r) => batch([r])), windowAggregate(options)).outputs;
    const whole = firingsOf(all, 0).map(({ startMs, ids }) => `${startMs}:${ids}`);
    for (let cut = 1; cut < records.length; cut++) {
      const first = runInterrupted(records.slice(0, cut).map((r) => batch([r])), windowAggregate(options));
      const last = first.at(-1)!;
      const resumed = records.filter((r) => r.position >= last.safePosition);
      const second = runSync(
        resumed.map((r, i) =>
          batch([r], i === 0 ? { restore: { maxTimestampMs: last.maxTimestampMs, replayUntil: last.nextPosition } } : {}),
        ),
        windowAggregate(options),
      ).outputs;
      // nothing at all while replaying
      const replayOutputs = second.slice(0, resumed.filter((r) => r.position < last.nextPosition).length);
      assert.deepEqual(replayOutputs.flatMap((o) => o.results), [], `cut ${cut}: emitted while replaying`);
      assert.deepEqual(
        [...firingsOf(first, 0), ...firingsOf(second, 0)].map(({ startMs, ids }) => `${startMs}:${ids}`),
        whole,
        `cut ${cut}`,
      );
      assert.equal(
        first.reduce((n, o) => n + o.lateRecords, 0) + second.reduce((n, o) => n + o.lateRecords, 0),
        all.reduce((n, o) => n + o.lateRecords, 0),
        `cut ${cut}: late records`,
      );
    }
  });
});

describe('windowAggregate: keys, record timestamps and triggers', () => {
  interface Click {
    readonly url: string;
    readonly t: number;
  }
  /** Runs one subscription over `batches` synchronously and returns the outputs. */
  function collect<T, OUT, K>(batches: RecordBatch<T>[], op: OperatorFunction<RecordBatch<T>, WindowedBatch<OUT, K>>): WindowedBatch<OUT, K>[] {
    const outputs: WindowedBatch<OUT, K>[] = [];
    from(batches).pipe(op).subscribe({ next: (o) => outputs.push(o), error: (e: unknown) => assert.fail(String(e)) });
    return outputs;
  }
  const clicks = (spec: [string, number][]): RecordBatch<Click> => ({
    partition: 0,
    records: spec.map(([url, t]) => ({ url, t })),
    positions: spec.map((_, i) => i),
  });

  it('keyOf gives one result per key and window, the same as keyedBy over the window', () => {
    const input = clicks([['/a', 1], ['/b', 2], ['/a', 3], ['/c', 12], ['/a', 14], ['/b', 25], ['/b', 9]]);
    const keyed = collect(
      [input],
      windowAggregate<Click, { n: number }, number, string>({
        windows: TumblingEventTimeWindows.of(10),
        eventTimeOf: (c) => c.t,
        keyOf: (c) => c.url,
        maxOutOfOrdernessMs: 5,
        aggregate: count(),
      }),
    );
    const whole = collect(
      [input],
      windowAggregate<Click, Map<string, { n: number }>, Map<string, number>>({
        windows: TumblingEventTimeWindows.of(10),
        eventTimeOf: (c) => c.t,
        maxOutOfOrdernessMs: 5,
        aggregate: keyedBy((c: Click) => c.url, count()),
      }),
    );
    const flat = keyed.flatMap((o) => o.results.map((r) => [r.startMs, r.endMs, r.key, r.value, r.firing]));
    const expected = whole.flatMap((o) => o.results.flatMap((r) => [...r.value].map(([url, n]) => [r.startMs, r.endMs, url, n, r.firing])));
    assert.deepEqual(flat, expected);
    // 9 is late (watermark 19 after 25): [0,10) has /a 2, /b 1; [10,20) /c 1, /a 1; [20,30) /b 1.
    assert.deepEqual(flat, [
      [0, 10, '/a', 2, 0],
      [0, 10, '/b', 1, 0],
      [10, 20, '/c', 1, 0],
      [10, 20, '/a', 1, 0],
      [20, 30, '/b', 1, 0],
    ]);
    assert.equal(keyed.reduce((n, o) => n + o.lateRecords, 0), 1);
  });

  it('an unkeyed result has key undefined', () => {
    const { outputs } = runSync([batch(evs(0, [1]))], tumbling10());
    assert.deepEqual(outputs.flatMap((o) => o.results.map((r) => r.key)), [undefined]);
  });

  it('batch timestampsMs are the event times (no eventTimeOf needed), and late records carry their raw', () => {
    const late: LateRecord<string>[] = [];
    const outputs = collect(
      [{ partition: 0, records: ['a', 'b', 'c', 'd'], positions: [0, 1, 2, 3], timestampsMs: [1, 15, 4, 16], raws: ['RA', 'RB', 'RC', 'RD'] }],
      windowAggregate<string, readonly string[], string[]>({
        windows: TumblingEventTimeWindows.of(10),
        maxOutOfOrdernessMs: 0,
        aggregate: { createAccumulator: () => [], add: (acc, r) => [...acc, r], getResult: (acc) => [...acc] },
        onLate: (l) => late.push(l),
      }),
    );
    assert.deepEqual(
      outputs.flatMap((o) => o.results.map((r) => [r.startMs, r.value])),
      [
        [0, ['a']],
        [10, ['b', 'd']],
      ],
    );
    assert.deepEqual(
      late.map((l) => [l.record, l.raw, l.position, l.eventTimeMs, l.watermarkMs]),
      [['c', 'RC', 2, 4, 14]],
    );
  });

  it('timestampsMs win over eventTimeOf when a batch carries them', () => {
    const { outputs } = runSync(
      [batch(evs(0, [1, 2]), { timestampsMs: [31, 32] })],
      tumbling10(),
    );
    assert.deepEqual(outputs.flatMap((o) => o.results.map((r) => r.startMs)), [30]);
  });

  it('a custom trigger decides when windows fire; the end of input fires only windows that never fired', () => {
    // Fires a window each time it gets a record.
    const eager: Trigger = { onElement: () => true, fireAtMs: (w) => w.endMs - 1 };
    const { outputs } = runSync([batch(evs(0, [1, 2, 12]))], tumbling10({ trigger: eager }));
    assert.deepEqual(
      outputs.map((o) => o.results.map((r) => `${r.startMs}:${r.value}#${r.firing}`)),
      [['0:1#0', '0:2#1', '10:1#0'], []],
    );
  });
});

describe('windowAggregate: configuration and errors', () => {
  it('refuses session windows over an aggregate without merge, at construction', () => {
    const noMerge: AggregateFunction<Ev, number, number> = { createAccumulator: () => 0, add: (a) => a + 1, getResult: (a) => a };
    assert.throws(
      () => windowAggregate({ windows: EventTimeSessionWindows.withGap(10), eventTimeOf: timeOf, maxOutOfOrdernessMs: 0, aggregate: noMerge }),
      (error: unknown) => error instanceof ConfigError && /merge\(a, b\)/.test(error.message),
    );
    assert.doesNotThrow(() => windowAggregate({ windows: TumblingEventTimeWindows.of(10), eventTimeOf: timeOf, maxOutOfOrdernessMs: 0, aggregate: noMerge }));
  });

  it('refuses a negative or fractional allowed lateness and a bad out-of-orderness at construction', () => {
    assert.throws(() => tumbling10({ allowedLatenessMs: -1 }), ConfigError);
    assert.throws(() => tumbling10({ allowedLatenessMs: 1.5 }), ConfigError);
    assert.throws(() => tumbling10({ maxOutOfOrdernessMs: -1 }), ConfigError);
    assert.throws(() => tumbling10({ maxOutOfOrdernessMs: NaN }), ConfigError);
    assert.doesNotThrow(() => tumbling10({ allowedLatenessMs: 0, maxOutOfOrdernessMs: 0 }));
  });

  it('an aggregate that throws errors the output and unsubscribes the source', () => {
    let unsubscribed = false;
    const boom: AggregateFunction<Ev, number, number> = {
      createAccumulator: () => 0,
      add: (acc, e) => {
        if (e.t === 13) throw new Error('boom');
        return acc + 1;
      },
      getResult: (acc) => acc,
    };
    const source = new Subject<RecordBatch<Ev>>();
    const seen: string[] = [];
    let error: unknown;
    source
      .pipe(finalize(() => (unsubscribed = true)))
      .pipe(windowAggregate({ windows: TumblingEventTimeWindows.of(10), eventTimeOf: timeOf, maxOutOfOrdernessMs: 0, aggregate: boom }))
      .subscribe({ next: (o) => seen.push(String(o.results.length)), error: (e: unknown) => (error = e) });
    source.next(batch(evs(0, [1])));
    source.next(batch(evs(0, [13], 1)));
    assert.deepEqual(seen, ['0']);
    assert.equal((error as Error).message, 'boom');
    assert.equal(unsubscribed, true);
  });

  it('an aggregate that throws when the end of input fires its windows errors the output', () => {
    const boom: AggregateFunction<Ev, number, number> = {
      createAccumulator: () => 0,
      add: (acc) => acc + 1,
      getResult: () => {
        throw new Error('boom at the end');
      },
    };
    const seen: number[] = [];
    let error: unknown;
    let completed = false;
    of(batch(evs(0, [1])))
      .pipe(windowAggregate({ windows: TumblingEventTimeWindows.of(10), eventTimeOf: timeOf, maxOutOfOrdernessMs: 0, aggregate: boom }))
      .subscribe({ next: (o) => seen.push(o.results.length), error: (e: unknown) => (error = e), complete: () => (completed = true) });
    assert.deepEqual(seen, [0]);
    assert.equal((error as Error).message, 'boom at the end');
    assert.equal(completed, false);
  });

  it('passes a source error through without flushing', () => {
    const seen: number[] = [];
    let error: unknown;
    concat(of(batch(evs(0, [1]))), throwError(() => new Error('source down')))
      .pipe(tumbling10())
      .subscribe({ next: (o) => seen.push(o.results.length), error: (e: unknown) => (error = e) });
    assert.deepEqual(seen, [0], 'the open window is not fired on an error');
    assert.equal((error as Error).message, 'source down');
  });

  it('unsubscribing unsubscribes the source and fires nothing', () => {
    let torn = false;
    const source = new Observable<RecordBatch<Ev>>((s) => {
      s.next(batch(evs(0, [1])));
      return () => (torn = true);
    });
    const seen: string[] = [];
    const sub = source.pipe(tumbling10()).subscribe((o) => seen.push(fired(o)));
    sub.unsubscribe();
    assert.equal(torn, true);
    assert.deepEqual(seen, ['']);
  });

  it('each subscription has its own state', () => {
    const source = new Observable<RecordBatch<Ev>>((s) => {
      s.next(batch(evs(0, [1, 2])));
      s.complete();
    });
    const op = source.pipe(tumbling10());
    const a: string[] = [];
    const b: string[] = [];
    op.subscribe((o) => a.push(fired(o)));
    op.subscribe((o) => b.push(fired(o)));
    assert.deepEqual(a, ['', '0:2']);
    assert.deepEqual(b, ['', '0:2']);
  });
});
