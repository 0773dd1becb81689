import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { count } from '../../../src/operators/aggregates/count.js';
import { PartitionWindows, type PartitionWindowsConfig } from '../../../src/operators/PartitionWindows.js';
import { SlidingEventTimeWindows } from '../../../src/operators/SlidingEventTimeWindows.js';
import { TumblingEventTimeWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { EventTimeTrigger } from '../../../src/operators/Trigger.js';
import type { AlignedWindowAssigner } from '../../../src/operators/WindowAssigner.js';
import type { LateRecord, WindowResult } from '../../../src/operators/WindowResult.js';
import { collectIds, evs, timeOf, type Ev } from './reference.js';

function make(
  o: { windows?: AlignedWindowAssigner; ooo?: number; lateness?: number; eventTimeOf?: (e: Ev) => number } = {},
  late: LateRecord<Ev>[] = [],
) {
  const config: PartitionWindowsConfig<Ev, readonly number[], number[], undefined> = {
    windows: o.windows ?? TumblingEventTimeWindows.of(10),
    trigger: EventTimeTrigger,
    eventTimeOf: o.eventTimeOf ?? timeOf,
    maxOutOfOrdernessMs: o.ooo ?? 0,
    allowedLatenessMs: o.lateness ?? 0,
    aggregate: collectIds(),
    keyed: false,
    onLate: (l) => late.push(l),
    nowMs: () => 0,
  };
  return new PartitionWindows(0, config);
}

/** A batch of partition 0: the records, with `positions` unless they are left out. */
function rb(records: Ev[], positions: number[] | undefined): RecordBatch<Ev> {
  return positions === undefined ? { partition: 0, records } : { partition: 0, records, positions };
}

/** Processes records one at a time and returns what each one fired. */
function feed(pw: PartitionWindows<Ev, readonly number[], number[], undefined>, records: Ev[]) {
  return records.map((r) => {
    const out: WindowResult<number[]>[] = [];
    const late = pw.process(rb([r], [r.position]), out);
    return { out: out.map((w) => [w.startMs, w.firing, w.value] as const), late };
  });
}

const short = (rs: WindowResult<number[]>[]) => rs.map((w) => [w.startMs, w.firing, w.value]);

describe('PartitionWindows: allowed lateness', () => {
  it('re-emits a fired window for each record within the lateness, then drops it', () => {
    // size 10, ooo 0, lateness 5: [0,10) fires at watermark 9 (record 10) and is kept until watermark 14.
    const late: LateRecord<Ev>[] = [];
    const pw = make({ lateness: 5 }, late);
    const steps = feed(pw, evs(0, [1, 3, 10, 4, 12, 14, 2, 15, 5]));
    assert.deepEqual(
      steps.map((s) => s.out),
      [
        [],
        [],
        [[0, 0, [0, 1]]],
        [[0, 1, [0, 1, 3]]], // watermark 9 <= 9 + 5: accepted and fired again with the whole window
        [],
        [],
        [[0, 2, [0, 1, 3, 6]]], // watermark 13 < 14: still within the lateness
        [], // watermark 14 = end - 1 + lateness: the window's state is dropped
        [], // 5 is late
      ],
    );
    assert.deepEqual(
      steps.map((s) => s.late),
      [0, 0, 0, 0, 0, 0, 0, 0, 1],
    );
    assert.deepEqual(
      late.map((l) => [l.position, l.eventTimeMs, l.watermarkMs]),
      [[8, 5, 14]],
    );
  });

  it('a first record for a window already passed by the watermark but within the lateness fires it at once', () => {
    const pw = make({ lateness: 20 });
    const steps = feed(pw, evs(0, [25, 3]));
    assert.deepEqual(steps[1]!.out, [[0, 0, [1]]]);
  });

  it('holds window state until the watermark passes end - 1 + lateness (openWindows)', () => {
    const pw = make({ lateness: 5 });
    const opens: number[] = [];
    for (const r of evs(0, [1, 10, 14, 15, 27])) {
      pw.process(rb([r], [r.position]), []);
      opens.push(pw.openWindows);
    }
    // after 10: [0,10) fired but kept + [10,20); after 15 (watermark 14): [0,10) dropped;
    // after 27 (watermark 26): [10,20) fired at 19 and dropped at 24, [20,30) open.
    assert.deepEqual(opens, [1, 2, 2, 1, 1]);
  });

  it('without lateness drops a window as soon as it fires', () => {
    const pw = make();
    const opens: number[] = [];
    for (const r of evs(0, [1, 5, 10, 31])) {
      pw.process(rb([r], [r.position]), []);
      opens.push(pw.openWindows);
    }
    assert.deepEqual(opens, [1, 1, 1, 1]);
    const out: WindowResult<number[]>[] = [];
    pw.flush(out);
    assert.equal(pw.openWindows, 0);
    assert.deepEqual(short(out), [[30, 0, [3]]]);
  });

  it('holds one window per slide for hopping windows and drops them as they close', () => {
    const pw = make({ windows: SlidingEventTimeWindows.of(10, 5) });
    pw.process(rb(evs(0, [7]), [0]), []);
    assert.equal(pw.openWindows, 2);
    pw.process(rb(evs(0, [12], 1), [1]), []); // fires and drops [0,10) at watermark 11
    assert.equal(pw.openWindows, 2);
  });
});

describe('PartitionWindows: positions', () => {
  it('nextPosition is one past the last position; positions continue when absent', () => {
    const pw = make();
    assert.equal(pw.nextPosition, 0);
    pw.process(rb(evs(0, [1, 2], 100), [100, 105]), []);
    assert.equal(pw.nextPosition, 106);
    pw.process(rb(evs(0, [3, 4]), undefined), []);
    assert.equal(pw.nextPosition, 108);
  });

  it('safePosition is the first position of the oldest window that may still fire', () => {
    const pw = make({ lateness: 5 });
    const safe: number[] = [];
    for (const r of evs(0, [1, 10, 3, 15, 16, 25, 30], 20)) {
      pw.process(rb([r], [r.position]), []);
      safe.push(pw.safePosition());
    }
    // positions 20..26. [0,10) starts at 20 and is held until watermark 14 (record 15 at 23);
    // then [10,20) from 21 until watermark 24 (record 25 at 25); then [20,30) from 25; then [30,40) from 26 too.
    assert.deepEqual(safe, [20, 20, 20, 21, 21, 25, 25]);
  });

  it('safePosition is one past the last position when no window is open', () => {
    const pw = make();
    assert.equal(pw.safePosition(), 0);
    pw.process(rb(evs(0, [1], 7), [7]), []);
    pw.flush([]);
    assert.equal(pw.safePosition(), 8);
  });
});

describe('PartitionWindows: restore and replay', () => {
  /** Runs `records` uninterrupted, one per batch, with a flush, and returns every firing in order. */
  function uninterrupted(o: Parameters<typeof make>[0], records: Ev[]) {
    const pw = make(o);
    const out: WindowResult<number[]>[] = [];
    for (const r of records) pw.process(rb([r], [r.position]), out);
    pw.flush(out);
    return out;
  }

  /**
   * Runs the first `cut` records, takes the checkpoint a source would store, then a new
   * instance restores it and re-reads from the committed (safe) position.
   */
  function interrupted(o: Parameters<typeof make>[0], records: Ev[], cut: number, lateOut: LateRecord<Ev>[] = []) {
    const first = make(o);
    const before: WindowResult<number[]>[] = [];
    for (const r of records.slice(0, cut)) first.process(rb([r], [r.position]), before);
    const commit = first.safePosition();
    const checkpoint = { maxTimestampMs: first.watermarks.maxTimestampMs, replayUntil: first.nextPosition };
    const second = make(o, lateOut);
    second.restore(checkpoint);
    const replayed: WindowResult<number[]>[] = [];
    const rest = records.filter((r) => r.position >= commit);
    let lateAfter = 0;
    let openAfterReplay = second.openWindows;
    for (const r of rest) {
      const replaying = r.position < checkpoint.replayUntil;
      // As markReplays marks the batches of a restored partition.
      const batch = replaying ? { ...rb([r], [r.position]), replayedBefore: checkpoint.replayUntil } : rb([r], [r.position]);
      lateAfter += second.process(batch, replaying ? replayed : before);
      if (replaying) openAfterReplay = second.openWindows;
    }
    second.flush(before);
    return { all: before, replayed, commit, checkpoint, openAfterReplay, lateAfter };
  }

  it('rebuilds open windows from the replayed records without emitting those that fired', () => {
    // size 10, ooo 0: 12 fires [0,10) = {0,1}; the checkpoint after it holds [10,20) from position 2.
    const records = evs(0, [1, 5, 12, 15, 21]);
    const run = interrupted({}, records, 3);
    assert.equal(run.commit, 2);
    assert.deepEqual(run.checkpoint, { maxTimestampMs: 12, replayUntil: 3 });
    assert.deepEqual(run.replayed, [], 'nothing is emitted while replaying');
    assert.deepEqual(short(run.all), [
      [0, 0, [0, 1]],
      [10, 0, [2, 3]],
      [20, 0, [4]],
    ]);
    assert.deepEqual(run.all, uninterrupted({}, records));
  });

  it('a window that fired before the checkpoint and is within its lateness is re-emitted whole after the restart', () => {
    // lateness 10: [0,10) fired at 10 with {0,1} and is held (commit 0); 3 arrives after the restart.
    const records = evs(0, [1, 2, 10, 3, 25]);
    const run = interrupted({ lateness: 10 }, records, 3);
    assert.equal(run.commit, 0);
    assert.equal(run.openAfterReplay, 2, '[0,10) rebuilt (fired, within lateness) and [10,20) open');
    assert.deepEqual(run.replayed, []);
    assert.deepEqual(short(run.all), [
      [0, 0, [0, 1]],
      [0, 1, [0, 1, 3]],
      [10, 0, [2]],
      [20, 0, [4]],
    ]);
    assert.deepEqual(run.all, uninterrupted({ lateness: 10 }, records));
  });

  it('does not count or route replayed late records a second time', () => {
    // 3 is late at position 2 (watermark 11); the checkpoint after it replays positions 1..2.
    const lateOut: LateRecord<Ev>[] = [];
    const records = evs(0, [1, 12, 3, 14, 2]);
    const run = interrupted({}, records, 3, lateOut);
    assert.equal(run.commit, 1);
    assert.deepEqual(
      lateOut.map((l) => l.position),
      [4],
      'only the record after the checkpoint is routed',
    );
    assert.equal(run.lateAfter, 1);
  });

  it('the end of input after a restore fires only the windows that had not fired', () => {
    const records = evs(0, [1, 2, 10]);
    const run = interrupted({ lateness: 10 }, records, 3);
    // [0,10) fired before the restart and is not emitted again by the flush; [10,20) is.
    assert.deepEqual(short(run.all), [
      [0, 0, [0, 1]],
      [10, 0, [2]],
    ]);
  });

  it('restoring a checkpoint without a maximum time (-Infinity) is a fresh start', () => {
    const pw = make();
    pw.restore({ maxTimestampMs: -Infinity, replayUntil: 0 });
    assert.equal(pw.watermarks.watermarkMs, -Infinity);
    const out: WindowResult<number[]>[] = [];
    pw.process(rb(evs(0, [1, 10]), [0, 1]), out);
    assert.deepEqual(short(out), [[0, 0, [0]]]);
  });

  it(
    'after a restore a re-emission carries the whole window, numbered as a re-emission from 1 again',
    () => {
      // [0,10) fires on 10, is re-emitted on 2 (firing 1); after the cut, 3 re-emits it again.
      const records = evs(0, [1, 10, 2, 3]);
      const run = interrupted({ lateness: 20 }, records, 3);
      const whole = uninterrupted({ lateness: 20 }, records);
      assert.deepEqual(run.all.map((w) => w.value), whole.map((w) => w.value));
      assert.deepEqual(whole.filter((w) => w.startMs === 0).map((w) => w.firing), [0, 1, 2]);
      // Firing numbers are not checkpointed (documented on WindowResult.firing).
      assert.deepEqual(run.all.filter((w) => w.startMs === 0).map((w) => w.firing), [0, 1, 1]);
    },
  );
});

describe('PartitionWindows: event times', () => {
  it('counts and returns late records of a multi-record batch', () => {
    const late: LateRecord<Ev>[] = [];
    const pw = make({}, late);
    const out: WindowResult<number[]>[] = [];
    const n = pw.process(rb(evs(0, [1, 20, 3, 9, 21, 19]), undefined), out);
    // 3 and 9 are late for [0,10) (watermark 19); 19 is late for [10,20) once 21 made the watermark 20.
    assert.equal(n, 3);
    assert.deepEqual(
      late.map((l) => l.position),
      [2, 3, 5],
    );
    assert.deepEqual(short(out), [[0, 0, [0]]]);
  });

  it('a count aggregate gives the same totals as the collecting one', () => {
    const pw = new PartitionWindows(0, {
      windows: TumblingEventTimeWindows.of(10),
      eventTimeOf: timeOf,
      maxOutOfOrdernessMs: 3,
      allowedLatenessMs: 0,
      trigger: EventTimeTrigger,
      aggregate: count<Ev>(),
      keyed: false,
      nowMs: () => 0,
      onLate: undefined,
    });
    const out: WindowResult<number>[] = [];
    pw.process(rb(evs(0, [1, 4, 11, 8, 13, 2, 40]), undefined), out);
    pw.flush(out);
    // 8 is on time (watermark 7 after 11); 2 is late (watermark 9 after 13)
    assert.deepEqual(
      out.map((w) => [w.startMs, w.value]),
      [
        [0, 3],
        [10, 2],
        [40, 1],
      ],
    );
  });

  it(
    'a record with a NaN event time cannot reopen a closed window',
    () => {
      const pw = make({ eventTimeOf: (e) => (e.t === -999 ? NaN : e.t) });
      const out: WindowResult<number[]>[] = [];
      const late = pw.process(rb(evs(0, [1, 20, -999, 5]), undefined), out);
      pw.flush(out);
      assert.deepEqual(
        out.filter((w) => w.startMs === 0).map((w) => w.value),
        [[0]],
      );
      assert.equal(late, 2);
    },
  );
});
