import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { windowStart } from '../../../src/operators/windowStart.js';

describe('windowStart', () => {
  it('aligns to the epoch: start is the largest multiple of the size not above the time', () => {
    assert.equal(windowStart(0, 0, 10), 0);
    assert.equal(windowStart(9, 0, 10), 0);
    assert.equal(windowStart(10, 0, 10), 10);
    assert.equal(windowStart(19, 0, 10), 10);
    assert.equal(windowStart(12_345, 0, 1_000), 12_000);
  });

  it('is inclusive at the start and exclusive at the end', () => {
    // [20, 30): 20 belongs to it, 30 starts the next window.
    assert.equal(windowStart(20, 0, 10), 20);
    assert.equal(windowStart(29, 0, 10), 20);
    assert.equal(windowStart(30, 0, 10), 30);
  });

  it('rounds negative times down, not towards zero (Flink getWindowStartWithOffset)', () => {
    assert.equal(windowStart(-1, 0, 10), -10);
    assert.equal(windowStart(-10, 0, 10), -10);
    assert.equal(windowStart(-11, 0, 10), -20);
    assert.equal(windowStart(-9_999, 0, 1_000), -10_000);
  });

  it('shifts the boundaries by the offset', () => {
    // windows [3, 13), [13, 23), … and [-7, 3)
    assert.equal(windowStart(3, 3, 10), 3);
    assert.equal(windowStart(12, 3, 10), 3);
    assert.equal(windowStart(13, 3, 10), 13);
    assert.equal(windowStart(2, 3, 10), -7);
    assert.equal(windowStart(-7, 3, 10), -7);
    assert.equal(windowStart(-8, 3, 10), -17);
  });

  it('equals the floor-division definition over a range that crosses zero', () => {
    for (const size of [1, 3, 7, 10, 60_000]) {
      for (const offset of [0, Math.floor(size / 2), size - 1]) {
        for (let t = -3 * size - 5; t <= 3 * size + 5; t++) {
          const expected = Math.floor((t - offset) / size) * size + offset;
          const got = windowStart(t, offset, size);
          assert.equal(got, expected, `t=${t} offset=${offset} size=${size}`);
          assert.ok(got <= t && t < got + size);
        }
      }
    }
  });

  it('stays exact for realistic epoch milliseconds', () => {
    const t = Date.UTC(2024, 4, 17, 13, 45, 27, 123);
    assert.equal(windowStart(t, 0, 60_000), Date.UTC(2024, 4, 17, 13, 45, 0, 0));
    assert.equal(windowStart(t, 0, 3_600_000), Date.UTC(2024, 4, 17, 13, 0, 0, 0));
  });
});
