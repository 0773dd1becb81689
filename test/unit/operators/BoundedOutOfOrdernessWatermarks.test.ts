import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { BoundedOutOfOrdernessWatermarks } from '../../../src/operators/BoundedOutOfOrdernessWatermarks.js';
import { prng, randInt } from './reference.js';

describe('BoundedOutOfOrdernessWatermarks', () => {
  it('has no watermark before the first record', () => {
    const w = new BoundedOutOfOrdernessWatermarks(5);
    assert.equal(w.maxTimestampMs, -Infinity);
    assert.equal(w.watermarkMs, -Infinity);
  });

  it('is the highest time seen minus the out-of-orderness minus 1 (Flink)', () => {
    const w = new BoundedOutOfOrdernessWatermarks(5);
    assert.equal(w.onEvent(100), true);
    assert.equal(w.maxTimestampMs, 100);
    assert.equal(w.watermarkMs, 94);
    assert.equal(w.onEvent(130), true);
    assert.equal(w.watermarkMs, 124);
  });

  it('with zero out-of-orderness trails the highest time by 1 ms', () => {
    const w = new BoundedOutOfOrdernessWatermarks(0);
    w.onEvent(42);
    assert.equal(w.watermarkMs, 41);
  });

  it('never moves back and reports no advance for older or equal times', () => {
    const w = new BoundedOutOfOrdernessWatermarks(10);
    w.onEvent(1_000);
    assert.equal(w.onEvent(999), false);
    assert.equal(w.onEvent(1_000), false);
    assert.equal(w.onEvent(-5), false);
    assert.equal(w.maxTimestampMs, 1_000);
    assert.equal(w.watermarkMs, 989);
  });

  it('follows the running maximum over a random sequence', () => {
    const rand = prng(7);
    const w = new BoundedOutOfOrdernessWatermarks(250);
    let max = -Infinity;
    for (let i = 0; i < 2_000; i++) {
      const t = randInt(rand, -10_000, 10_000) + i * 3;
      const advanced = w.onEvent(t);
      assert.equal(advanced, t > max);
      max = Math.max(max, t);
      assert.equal(w.maxTimestampMs, max);
      assert.equal(w.watermarkMs, max - 251);
    }
  });

  it('refuses a negative or fractional bound', () => {
    for (const bad of [-1, 0.5, NaN, Infinity]) {
      assert.throws(() => new BoundedOutOfOrdernessWatermarks(bad), ConfigError, String(bad));
    }
    assert.doesNotThrow(() => new BoundedOutOfOrdernessWatermarks(0));
  });

  it(
    'a record with a NaN time does not reset the maximum (the watermark must never move back)',
    () => {
      const w = new BoundedOutOfOrdernessWatermarks(0);
      w.onEvent(100);
      w.onEvent(NaN);
      w.onEvent(50);
      assert.equal(w.maxTimestampMs, 100);
      assert.equal(w.watermarkMs, 99);
    },
  );
});
