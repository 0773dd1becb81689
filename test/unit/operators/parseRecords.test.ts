import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, Subject } from 'rxjs';
import type { ClickEvent } from '../../../src/events/ClickEvent.js';
import { INVALID_REASONS, type InvalidReason, type InvalidRecord } from '../../../src/events/InvalidRecord.js';
import { validateClickEvent } from '../../../src/events/validateClickEvent.js';
import { count } from '../../../src/operators/aggregates/count.js';
import { parseRecords } from '../../../src/operators/parseRecords.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { OversizedRecord } from '../../../src/events/OversizedRecord.js';
import { TumblingEventTimeWindows as TumblingWindows } from '../../../src/operators/TumblingEventTimeWindows.js';
import { windowAggregate } from '../../../src/operators/windowAggregate.js';
import type { WindowedBatch } from '../../../src/operators/WindowResult.js';

const T0 = 1_700_000_000; // epoch seconds
const valid = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ user_id: 'u1', url: '/home', http_status: 200, event_timestamp: T0, ...over });
const without = (field: string) => {
  const o: Record<string, unknown> = { user_id: 'u1', url: '/home', http_status: 200, event_timestamp: T0 };
  delete o[field];
  return JSON.stringify(o);
};
const utf8 = (s: string) => new TextEncoder().encode(s);
/** `text` as UTF-8 with `bytes` put where `@` is: a way to write bytes that are not UTF-8. */
const withBytes = (text: string, ...bytes: number[]) => {
  const [before, after] = text.split('@');
  return Buffer.concat([Buffer.from(before!), Buffer.from(bytes), Buffer.from(after!)]);
};
const BOM = '\uFEFF';

/** Every way to be refused, with the reason it must get. */
const INVALID: [string | Uint8Array, InvalidReason][] = [
  ['{"user_id":', 'not_json'],
  ['hello', 'not_json'],
  ['', 'not_json'],
  [utf8('{"url": "/x",'), 'not_json'],
  ['[1,2]', 'not_an_object'],
  ['42', 'not_an_object'],
  ['null', 'not_an_object'],
  ['"a string"', 'not_an_object'],
  ['true', 'not_an_object'],
  [without('user_id'), 'missing_field'],
  [without('url'), 'missing_field'],
  [without('http_status'), 'missing_field'],
  [without('event_timestamp'), 'missing_field'],
  [valid({ url: '' }), 'missing_field'],
  [valid({ user_id: null }), 'missing_field'],
  [valid({ user_id: 7 }), 'wrong_type'],
  [valid({ url: { path: '/' } }), 'wrong_type'],
  [valid({ http_status: '200' }), 'wrong_type'],
  [valid({ event_timestamp: true }), 'wrong_type'],
  [valid({ session_id: 3 }), 'wrong_type'],
  [valid({ latency_ms: 'fast' }), 'wrong_type'],
  [valid({ http_status: 99 }), 'status_out_of_range'],
  [valid({ http_status: 600 }), 'status_out_of_range'],
  [valid({ http_status: 200.5 }), 'status_out_of_range'],
  [valid({ event_timestamp: 'yesterday' }), 'bad_timestamp'],
  [valid({ event_timestamp: 1e300 }), 'bad_timestamp'],
  [valid({ event_timestamp: 1755720002000 }), 'bad_timestamp'],
  [BOM + BOM + valid(), 'not_json'],
  [withBytes(valid({ url: '/caf@' }), 0xe9), 'bad_encoding'],
  [withBytes(valid({ url: '/@' }), 0xc0, 0xaf), 'bad_encoding'],
  [withBytes(valid({ url: '/@' }), 0xed, 0xa0, 0x80), 'bad_encoding'],
  [withBytes('@' + valid(), 0xff, 0xfe), 'bad_encoding'],
  [new Uint8Array(withBytes(valid({ url: '/@' }), 0xf8)), 'bad_encoding'],
  [new OversizedRecord(utf8(valid()), 17_000_000), 'too_long'],
];

function parse(batches: RecordBatch<string | Uint8Array>[]) {
  const invalid: InvalidRecord[] = [];
  const out: RecordBatch<ClickEvent>[] = [];
  from(batches)
    .pipe(parseRecords<ClickEvent>({ validate: validateClickEvent, onInvalid: (r) => invalid.push(r) }))
    .subscribe((b) => out.push(b));
  return { out, invalid };
}

describe('parseRecords', () => {
  it('the invalid cases cover every reason of validateClickEvent (bad_url is the error-rates job\'s own check)', () => {
    const covered = new Set(INVALID.map(([, reason]) => reason));
    assert.deepEqual(INVALID_REASONS.filter((r) => r !== 'bad_url').sort(), [...covered].sort());
  });

  for (const [raw, reason] of INVALID) {
    const label = typeof raw === 'string' ? raw : `bytes ${Buffer.from(raw).toString('latin1')}`;
    it(`refuses ${JSON.stringify(label).slice(0, 70)} as ${reason}`, () => {
      const { out, invalid } = parse([{ partition: 3, records: [valid(), raw, valid()], positions: [40, 41, 42] }]);
      assert.equal(out.length, 1);
      assert.deepEqual(out[0]!.positions, [40, 42], 'the invalid record is not passed on');
      assert.equal(out[0]!.records.length, 2);
      assert.equal(invalid.length, 1);
      const r = invalid[0]!;
      assert.equal(r.reason, reason);
      assert.equal(r.partition, 3);
      assert.equal(r.position, 41);
      assert.equal(r.raw, raw, 'the raw record is kept untouched');
      if (typeof raw !== 'string') assert.deepEqual([...(r.raw as Uint8Array)], [...raw], 'its bytes too');
      assert.equal(typeof r.detail, 'string');
      assert.ok(r.detail.length > 0);
    });
  }

  it('passes valid records on in order, with their event time set', () => {
    const iso = '2024-05-17T13:45:27.123Z';
    const { out, invalid } = parse([
      {
        partition: 0,
        records: [valid({ event_timestamp: T0 + 0.1234 }), utf8(valid({ url: '/bytes' })), valid({ event_timestamp: iso })],
        positions: [7, 8, 9],
      },
    ]);
    assert.equal(invalid.length, 0);
    const events = out[0]!.records;
    assert.deepEqual(
      events.map((e) => [e.url, e.eventTimeMs]),
      [
        ['/home', T0 * 1000 + 123],
        ['/bytes', T0 * 1000],
        ['/home', Date.UTC(2024, 4, 17, 13, 45, 27, 123)],
      ],
    );
    assert.deepEqual(out[0]!.positions, [7, 8, 9]);
  });

  it('emits an empty batch when every record is invalid, so that progress still flows', () => {
    const { out, invalid } = parse([{ partition: 1, records: ['x', '[]'], positions: [5, 6] }]);
    // endPosition still tells the windows that positions 5 and 6 were read; invalidPositions that they were refused.
    assert.deepEqual(out, [{ partition: 1, records: [], positions: [], invalidPositions: [5, 6], endPosition: 7 }]);
    assert.equal(invalid.length, 2);
  });

  it('numbers records 0, 1, 2, … per partition when the source gives no positions', () => {
    const { out, invalid } = parse([
      { partition: 0, records: [valid(), 'bad'] },
      { partition: 1, records: [valid()] },
      { partition: 0, records: ['bad', valid()] },
    ]);
    assert.deepEqual(
      out.map((b) => [b.partition, b.positions]),
      [
        [0, [0]],
        [1, [0]],
        [0, [3]],
      ],
    );
    assert.deepEqual(
      invalid.map((r) => [r.partition, r.position]),
      [
        [0, 1],
        [0, 2],
      ],
    );
  });

  it('keeps the batch fields the windows need (restore, revoked)', () => {
    const restore = { maxTimestampMs: 5, replayUntil: 1 };
    const { out } = parse([
      { partition: 2, records: [valid()], positions: [0], restore },
      { partition: 2, records: [], revoked: true },
    ]);
    assert.deepEqual(out[0]!.restore, restore);
    assert.equal(out[1]!.revoked, true);
  });

  it('does not route invalid records again while replaying up to the checkpoint', () => {
    const { out, invalid } = parse([
      {
        partition: 0,
        records: ['bad-10', valid(), 'bad-12', 'bad-13', valid()],
        positions: [10, 11, 12, 13, 14],
        restore: { maxTimestampMs: T0 * 1000, replayUntil: 13 },
      },
      { partition: 0, records: ['bad-15'], positions: [15] },
      // another partition is unaffected by partition 0's checkpoint
      { partition: 1, records: ['bad-p1'], positions: [0] },
    ]);
    assert.deepEqual(
      invalid.map((r) => [r.partition, r.position, r.raw]),
      [
        [0, 13, 'bad-13'],
        [0, 15, 'bad-15'],
        [1, 0, 'bad-p1'],
      ],
    );
    // valid replayed records still go to the windows, which rebuild their state from them
    assert.deepEqual(out[0]!.positions, [11, 14]);
  });

  it('a later fresh start (restore: null) routes everything again', () => {
    const { invalid } = parse([
      { partition: 0, records: ['a'], positions: [0], restore: { maxTimestampMs: 0, replayUntil: 100 } },
      { partition: 0, records: ['b'], positions: [1], restore: null },
    ]);
    assert.deepEqual(
      invalid.map((r) => r.raw),
      ['b'],
    );
  });

  it('ignores a byte-order mark at the start of a string or bytes record, and keeps the raw record as it was', () => {
    const bomBytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid({ url: '/bytes' }))]);
    const bomBroken = `${BOM}{"url":`;
    const { out, invalid } = parse([
      {
        partition: 0,
        records: [BOM + valid({ url: '/string' }), bomBytes, new Uint8Array(bomBytes), bomBroken],
        positions: [1, 2, 3, 4],
      },
    ]);
    assert.deepEqual(
      out[0]!.records.map((e) => e.url),
      ['/string', '/bytes', '/bytes'],
    );
    assert.deepEqual(
      invalid.map((r) => [r.reason, r.raw, r.position]),
      [['not_json', bomBroken, 4]],
    );
    // The message is about the JSON after the mark, not about the mark.
    assert.doesNotMatch(invalid[0]!.detail, /\uFEFF|position 0/);
  });

  it('refuses bytes that are not UTF-8 instead of merging them into one text with U+FFFD', () => {
    const latin1 = withBytes(valid({ url: '/caf@' }), 0xe9);
    const other = withBytes(valid({ url: '/caf@' }), 0xff);
    // A real U+FFFD in the record, sent as its UTF-8 bytes, is valid text and kept.
    const replacementChar = utf8(valid({ url: '/caf\uFFFD' }));
    const { out, invalid } = parse([{ partition: 0, records: [latin1, other, replacementChar], positions: [0, 1, 2] }]);
    assert.deepEqual(
      out[0]!.records.map((e) => e.url),
      ['/caf\uFFFD'],
    );
    assert.deepEqual(
      invalid.map((r) => [r.reason, r.position]),
      [
        ['bad_encoding', 0],
        ['bad_encoding', 1],
      ],
    );
    assert.equal(invalid[0]!.raw, latin1);
    assert.equal(invalid[1]!.raw, other);
    assert.notDeepEqual([...(invalid[0]!.raw as Buffer)], [...(invalid[1]!.raw as Buffer)]);
    assert.match(invalid[0]!.detail, new RegExp(`not valid UTF-8: byte 0xe9 at offset ${latin1.indexOf(0xe9)}\\b`));
    assert.match(invalid[1]!.detail, new RegExp(`byte 0xff at offset ${other.indexOf(0xff)}\\b`));
  });

  it('a truncated multi-byte character at the end of the bytes is bad_encoding', () => {
    const bytes = Buffer.from(valid({ url: '/é' }));
    const cut = bytes.subarray(0, bytes.indexOf(0xc3) + 1);
    const { invalid } = parse([{ partition: 0, records: [cut], positions: [0] }]);
    assert.equal(invalid[0]!.reason, 'bad_encoding');
    assert.match(invalid[0]!.detail, new RegExp(`byte 0xc3 at offset ${cut.length - 1}\\b`));
  });

  it('an exception from the validator errors the output with that exception, not a not_json dead letter', () => {
    const bug = new TypeError('cannot read properties of undefined (reading "length")');
    const stack = bug.stack;
    const invalid: InvalidRecord[] = [];
    const seen: RecordBatch<unknown>[] = [];
    let failure: unknown;
    from([{ partition: 0, records: ['{"n":1}', '{"n":2}', 'not json'], positions: [0, 1, 2] }])
      .pipe(
        parseRecords<unknown>({
          validate: (v) => {
            if ((v as { n: number }).n === 2) throw bug;
            return null;
          },
          onInvalid: (r) => invalid.push(r),
        }),
      )
      .subscribe({ next: (b) => seen.push(b), error: (e: unknown) => (failure = e) });
    assert.equal(failure, bug, 'the very error the validator threw');
    assert.equal((failure as Error).stack, stack, 'its stack intact');
    assert.deepEqual(invalid, [], 'nothing is dead-lettered for it');
    assert.deepEqual(seen, []);
  });

  it('accepts a custom validator and reports its reason', () => {
    const invalid: InvalidRecord[] = [];
    const out: RecordBatch<{ n: number }>[] = [];
    from([{ partition: 0, records: ['{"n":1}', '{"n":-1}'], positions: [0, 1] }])
      .pipe(
        parseRecords<{ n: number }>({
          validate: (v) => ((v as { n: number }).n > 0 ? null : { reason: 'status_out_of_range', detail: 'n <= 0' }),
          onInvalid: (r) => invalid.push(r),
        }),
      )
      .subscribe((b) => out.push(b));
    assert.deepEqual(out[0]!.records, [{ n: 1 }]);
    assert.deepEqual(
      invalid.map((r) => [r.reason, r.detail, r.position]),
      [['status_out_of_range', 'n <= 0', 1]],
    );
  });
});

describe('parseRecords → windowAggregate after a restart', () => {
  it(
    'invalid records at the end of a batch are covered by the checkpoint and not dead-lettered twice',
    () => {
      const ts = (s: number) => valid({ event_timestamp: T0 + s });
      const pipeline = (invalid: InvalidRecord[]) => (src: Subject<RecordBatch<string>>) =>
        src.pipe(
          parseRecords<ClickEvent>({ validate: validateClickEvent, onInvalid: (r) => invalid.push(r) }),
          windowAggregate({
            windows: TumblingWindows.of(10_000),
            eventTimeOf: (e: ClickEvent) => e.eventTimeMs,
            maxOutOfOrdernessMs: 0,
            aggregate: count(),
          }),
        );
      const raws = [ts(1), 'broken-1', 'broken-2'];

      // First run: one batch, then a crash (no end of input).
      const invalid: InvalidRecord[] = [];
      const input1 = new Subject<RecordBatch<string>>();
      const outs1: WindowedBatch<number>[] = [];
      const sub1 = pipeline(invalid)(input1).subscribe((o) => outs1.push(o));
      input1.next({ partition: 0, records: raws, positions: [0, 1, 2] });
      sub1.unsubscribe();
      const last = outs1.at(-1)!;
      assert.equal(invalid.length, 2);

      // Restart from the committed position with the checkpoint.
      const input2 = new Subject<RecordBatch<string>>();
      const sub2 = pipeline(invalid)(input2).subscribe(() => {});
      const commit = last.safePosition;
      input2.next({
        partition: 0,
        records: raws.slice(commit),
        positions: [0, 1, 2].slice(commit),
        restore: { maxTimestampMs: last.maxTimestampMs, replayUntil: last.nextPosition },
      });
      sub2.unsubscribe();
      assert.deepEqual(
        invalid.map((r) => r.position),
        [1, 2],
        'no record dead-lettered twice',
      );
      assert.equal(last.nextPosition, 3, 'one past the last record processed, valid or not');
    },
  );
});
