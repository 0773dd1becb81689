import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TimerQueue } from '../../../src/operators/TimerQueue.js';

/** Pushes (a time) and pops (null), in order. */
const operations = fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5_000 }), fc.constant(null)), { maxLength: 12_000 });

describe('TimerQueue', () => {
  it('pops the earliest time queued, with its own item, whatever order the times were pushed in', () => {
    fc.assert(
      fc.property(operations, (ops) => {
        const queue = new TimerQueue<number>();
        const pending: { timeMs: number; item: number }[] = [];
        let next = 0;
        for (const op of ops) {
          if (op !== null) {
            queue.push(op, next);
            pending.push({ timeMs: op, item: next++ });
          } else if (pending.length > 0) {
            const earliest = Math.min(...pending.map((p) => p.timeMs));
            assert.equal(queue.peekTimeMs(), earliest);
            const peeked = queue.peekItem();
            const item = queue.pop();
            assert.equal(item, peeked);
            const index = pending.findIndex((p) => p.item === item);
            assert.ok(index >= 0, `item ${item} was pushed and not popped before`);
            assert.equal(pending[index]!.timeMs, earliest, 'the popped item was queued at the earliest time');
            pending.splice(index, 1);
          }
          assert.equal(queue.size, pending.length);
        }
        assert.equal(queue.peekTimeMs(), pending.length === 0 ? Infinity : Math.min(...pending.map((p) => p.timeMs)));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a long run in order through the compaction of popped entries', () => {
    const queue = new TimerQueue<number>();
    // In order (the run), with one out of order every 7 (the heap), popped as they go.
    for (let i = 0; i < 30_000; i++) {
      queue.push(i % 7 === 0 ? i - 3 : i, i);
      if (i % 3 === 2) queue.pop();
    }
    let last = -Infinity;
    let popped = 0;
    while (queue.size > 0) {
      const timeMs = queue.peekTimeMs();
      assert.ok(timeMs >= last, `${timeMs} after ${last}`);
      last = timeMs;
      queue.pop();
      popped++;
    }
    assert.equal(popped, 30_000 - 10_000);
    assert.equal(queue.peekTimeMs(), Infinity);
  });
});
