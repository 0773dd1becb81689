import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { from, lastValueFrom, toArray } from 'rxjs';
import { markReplays } from '../../../src/operators/markReplays.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';

const batch = (partition: number, first: number, count: number, extra: Partial<RecordBatch<number>> = {}): RecordBatch<number> => ({
  partition,
  records: Array.from({ length: count }, (_, i) => first + i),
  positions: Array.from({ length: count }, (_, i) => first + i),
  ...extra,
});

const marks = async (batches: RecordBatch<number>[]) =>
  (await lastValueFrom(from(batches).pipe(markReplays(), toArray()))).map((b) => [b.partition, b.positions?.[0], b.replayedBefore]);

describe('markReplays', () => {
  test('marks a restored partition’s batches until one starts at the checkpoint’s replayUntil, and no other partition’s', async () => {
    assert.deepEqual(
      await marks([
        batch(0, 10, 3, { restore: { maxTimestampMs: 5, replayUntil: 15 } }),
        batch(1, 0, 2),
        batch(0, 13, 3), // 13 and 14 replayed, 15 new
        batch(0, 16, 2),
        batch(0, 18, 1), // stays unmarked even below an old boundary: the replay is over
      ]),
      [
        [0, 10, 15],
        [1, 0, undefined],
        [0, 13, 15],
        [0, 16, undefined],
        [0, 18, undefined],
      ],
    );
  });

  test('a fresh start (restore null) and a revoked partition end the replay; a batch marked before passes as it is', async () => {
    assert.deepEqual(
      await marks([
        batch(2, 0, 1, { restore: { maxTimestampMs: 5, replayUntil: 9 } }),
        batch(2, 0, 1, { restore: null }),
        batch(3, 0, 1, { restore: { maxTimestampMs: 5, replayUntil: 9 } }),
        { partition: 3, records: [], revoked: true },
        batch(3, 1, 1),
        batch(4, 0, 1, { replayedBefore: 7 }),
      ]),
      [
        [2, 0, 9],
        [2, 0, undefined],
        [3, 0, 9],
        [3, undefined, undefined],
        [3, 1, undefined],
        [4, 0, 7],
      ],
    );
  });
});
