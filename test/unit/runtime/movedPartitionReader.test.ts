import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MovedBatch } from '../../../src/runtime/moves/MovedPartitionReader.js';
import { MovedPartitionReader } from '../../../src/runtime/moves/MovedPartitionReader.js';
import { packMovedMessages, unpackMovedMessages } from '../../../src/runtime/moves/movedMessageCodec.js';
import type { MovedMessage } from '../../../src/runtime/moves/MoveTransport.js';
import { InternalTopicError } from '../../../src/runtime/moves/InternalTopicError.js';
import { MovedRecordError } from '../../../src/runtime/moves/MovedRecordError.js';

const record = (writer: number, id: number, timeMs: number, watermarkMs: number): MovedMessage => ({ kind: 'record', writer, id, timeMs, watermarkMs, record: { writer, id } });
const mark = (writer: number, watermarkMs: number, idle = false): MovedMessage => (idle ? { kind: 'watermark', writer, watermarkMs, idle } : { kind: 'watermark', writer, watermarkMs });

/** Messages as one Kafka message's value, as the transport writes them. */
const pack = (messages: readonly MovedMessage[]) => packMovedMessages(messages);

/** Reads `messages` as one fetch from `first`; returns the batches it emitted. */
function read(reader: MovedPartitionReader, messages: readonly MovedMessage[], first = 0): MovedBatch[] {
  const out: MovedBatch[] = [];
  reader.read(messages.map((message) => pack([message])), messages.map((_, i) => first + i), (moved) => out.push(moved));
  return out;
}

const ids = (batches: readonly MovedBatch[]) => batches.flatMap((b) => b.batch.records as { writer: number; id: number }[]).map((r) => `${r.writer}:${r.id}`);

describe('MovedPartitionReader: a partition of an internal topic', () => {
  test('messages survive the codec, infinite watermarks and idleness included; what clickflow did not write is named', () => {
    const messages: MovedMessage[] = [record(2, 7, 1_000, -Infinity), mark(0, Infinity), mark(1, 5, true), { kind: 'record', writer: 0, id: 1, timeMs: 2, watermarkMs: 3, record: { nested: [1, 'x', 'é ✓'], n: null } }];
    assert.deepEqual(unpackMovedMessages(pack(messages)), messages);
    assert.deepEqual(unpackMovedMessages(pack([])), []);
    assert.throws(
      () => packMovedMessages([{ kind: 'record', writer: 0, id: 1, timeMs: 0, watermarkMs: 0, record: { n: 1n } }]),
      (e) => e instanceof MovedRecordError && /cannot be written as JSON \(.*BigInt.*\): map it to JSON values before the keyBy/.test(e.message),
    );
    assert.match(String(unpackMovedMessages(Buffer.from('{"w":0,"m":5}'))), /JSON lines, as an earlier clickflow wrote them: start the job with a new --group/);
    assert.equal(unpackMovedMessages('nope'), 'not in the format clickflow writes');
    const whole = pack([record(0, 1, 2, 3)]);
    assert.equal(unpackMovedMessages(whole.subarray(0, whole.length - 1)), 'a record cut short at byte 1');
    const badTag = Buffer.from(whole);
    // The record's value starts after the format byte and the 31 bytes of its header.
    badTag[32] = 99;
    assert.equal(unpackMovedMessages(badTag), 'a record at byte 1 that holds an unknown tag 99');
    // The earlier format, records as JSON text, is still read: a job upgraded mid-run goes on.
    const header = Buffer.alloc(31);
    header.writeUInt16LE(1, 1);
    header.writeDoubleLE(9, 3);
    const earlier = (json: string) => {
      header.writeUInt32LE(Buffer.byteLength(json), 27);
      return Buffer.concat([Buffer.from([0x02]), header, Buffer.from(json)]);
    };
    assert.deepEqual(unpackMovedMessages(earlier('{"a":[1]}')), [{ kind: 'record', writer: 1, id: 9, timeMs: 0, watermarkMs: 0, record: { a: [1] } }]);
    assert.equal(unpackMovedMessages(earlier('{"a":')), 'a record at byte 1 that is not JSON');
    const reader = new MovedPartitionReader(3, 2, 'the internal topic of move 1', null);
    assert.throws(
      () => reader.read([Buffer.from('{"hello":1}')], [40], () => {}),
      (e) => e instanceof InternalTopicError && /offset 40: JSON lines/.test(e.message) && /--group/.test(e.message),
    );
    assert.throws(() => read(reader, [record(5, 1, 0, 0)]), /writer 5 of 2/);
  });

  test('the watermark is the minimum over writers, once each has sent one; a batch ends where it advances', () => {
    const reader = new MovedPartitionReader(3, 2, 'move', null);
    const batches = read(reader, [record(0, 10, 100, 50), mark(0, 200), record(1, 4, 150, 90), mark(1, 120), record(0, 11, 300, 200), mark(1, 400)]);
    assert.deepEqual(
      batches.map((b) => [b.batch.records.length, b.batch.watermarkMs, b.batch.endPosition]),
      [
        [2, 120, 4], // writer 1's watermark made the minimum 120, after its own record
        [1, 200, 6], // then writer 1 passed writer 0: the minimum is writer 0's 200
        [0, 200, 6], // the end of the fetch
      ],
    );
    assert.deepEqual(batches[0]!.batch.recordWatermarksMs, [50, 90], 'each record keeps its writer’s watermark');
    assert.deepEqual(batches[0]!.batch.positions, [0, 2]);
    assert.equal(reader.currentWatermarkMs, 200);
  });

  test('many moved messages in one Kafka message: read as if each came alone, the batch ending past the message that holds the watermark', () => {
    const messages = [record(0, 1, 10, 0), record(1, 1, 12, 0), mark(0, 20), record(1, 2, 15, 0), mark(1, 30)];
    const alone = new MovedPartitionReader(0, 2, 'move', null);
    const one = read(alone, messages);
    const packed = new MovedPartitionReader(0, 2, 'move', null);
    const out: MovedBatch[] = [];
    packed.read([pack(messages.slice(0, 3)), pack(messages.slice(3))], [7, 8], (moved) => out.push(moved));
    assert.deepEqual(ids(out), ids(one));
    assert.deepEqual(out.map((b) => [b.batch.records.length, b.batch.watermarkMs, b.batch.endPosition]), [[3, 20, 9], [0, 20, 9]]);
    assert.deepEqual(out[0]!.batch.positions, [7, 7, 8], 'records of one Kafka message share its offset');
  });

  test('a copy a writer resends after a restart is dropped by its id, whatever came between', () => {
    const reader = new MovedPartitionReader(0, 2, 'move', null);
    const batches = read(reader, [record(0, 1, 0, 0), record(0, 2, 0, 0), record(1, 1, 0, 0), record(0, 1, 0, 0), record(0, 2, 0, 0), record(0, 3, 0, 0), record(1, 1, 0, 0)]);
    assert.deepEqual(ids(batches), ['0:1', '0:2', '1:1', '0:3']);
  });

  test('an idle writer leaves the minimum until it sends again; with every writer idle the maximum holds; the watermark never goes back', () => {
    const reader = new MovedPartitionReader(0, 3, 'move', null);
    read(reader, [mark(0, 100), mark(1, 300)]);
    assert.equal(reader.currentWatermarkMs, -Infinity, 'writer 2 has sent nothing');
    read(reader, [mark(2, -Infinity, true)], 2);
    assert.equal(reader.currentWatermarkMs, 100);
    read(reader, [mark(0, 100, true)], 3);
    assert.equal(reader.currentWatermarkMs, 300);
    read(reader, [mark(1, 300, true)], 4);
    assert.equal(reader.currentWatermarkMs, 300, 'all idle: the maximum');
    read(reader, [mark(2, 50)], 5);
    assert.equal(reader.currentWatermarkMs, 300, 'a writer back from idleness rejoins behind: the watermark stays');
    read(reader, [mark(1, 500)], 6);
    assert.equal(reader.currentWatermarkMs, 300, 'writer 2, active again at 50, holds the minimum back');
  });

  test('a commit takes the latest snapshot at or before the lowest offset the windows need; a restore from it replays exactly what the first run read', () => {
    const messages = [record(0, 1, 10, 0), mark(0, 20), record(1, 1, 15, 0), mark(1, 30), record(0, 2, 40, 20), record(1, 1, 15, 0), mark(0, 60), record(1, 2, 70, 30), mark(1, 80), record(0, 3, 90, 60)];
    const first = new MovedPartitionReader(0, 2, 'move', null);
    const all = [...read(first, messages.slice(0, 4)), ...read(first, messages.slice(4, 7), 4), ...read(first, messages.slice(7), 7)];
    assert.equal(first.commitFor(-1), undefined, 'no snapshot before the first offset read');
    const checkpoint = first.commitFor(5)!;
    assert.equal(checkpoint.position, 4, 'snapshots are at fetch ends: 0, 4, 7, 10');
    assert.deepEqual(checkpoint.writerWatermarksMs, [20, 30]);
    assert.deepEqual(checkpoint.writerIds, [1, 1]);
    assert.equal(first.commitFor(0), undefined, 'older snapshots are gone once a later commit passed them');
    // A restart reads from the committed offset, with the reader's state there.
    const restored = new MovedPartitionReader(0, 2, 'move', { moved: checkpoint, replayUntil: 10 });
    const again = read(restored, messages.slice(4), 4);
    assert.deepEqual(ids(again), ids(all).slice(2), 'the copy of 1:1 is dropped again');
    assert.ok(again.every((b) => b.replaying), 'everything before replayUntil only rebuilds state');
    assert.deepEqual(again.map((b) => b.batch.watermarkMs).filter((w, i, a) => w !== a[i - 1]), [30, 60]);
  });
});
