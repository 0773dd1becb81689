import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WatermarkTracker } from '../../../src/operators/WatermarkTracker.js';

// All times below are virtual wall-clock milliseconds passed to the tracker.

describe('WatermarkTracker', () => {
  it('has no combined watermark before any partition reports', () => {
    const tracker = new WatermarkTracker(1_000);
    assert.equal(tracker.combinedWatermark(0), -Infinity);
    assert.equal(tracker.watermarkOf(3), -Infinity);
    assert.deepEqual(tracker.idlePartitions(0), []);
    assert.equal(tracker.isIdle(3, 1_000_000), false, 'an unknown partition is not idle');
  });

  it('combines active partitions by their minimum', () => {
    const tracker = new WatermarkTracker(1_000);
    tracker.update(0, 500, 0);
    tracker.update(1, 200, 0);
    tracker.update(2, 900, 0);
    assert.equal(tracker.combinedWatermark(10), 200);
    tracker.update(1, 700, 20);
    assert.equal(tracker.combinedWatermark(30), 500);
  });

  it('keeps each partition watermark monotonic', () => {
    const tracker = new WatermarkTracker(1_000);
    tracker.update(0, 500, 0);
    tracker.update(0, 300, 10);
    assert.equal(tracker.watermarkOf(0), 500);
  });

  it('a partition without records for the idle timeout stops holding the others back (withIdleness)', () => {
    const tracker = new WatermarkTracker(1_000);
    tracker.update(0, 100, 0); // slow partition, then silent
    tracker.update(1, 5_000, 0);
    tracker.update(1, 6_000, 900);
    assert.equal(tracker.combinedWatermark(999), 100, 'not idle 1 ms before the timeout');
    assert.equal(tracker.isIdle(0, 999), false);
    assert.equal(tracker.isIdle(0, 1_000), true, 'idle after exactly the timeout without records');
    assert.equal(tracker.combinedWatermark(1_000), 6_000);
    assert.deepEqual(tracker.idlePartitions(1_000), [0]);
  });

  it('a partition becomes active again with its next record', () => {
    const tracker = new WatermarkTracker(1_000);
    tracker.update(0, 100, 0);
    tracker.update(1, 5_000, 0);
    tracker.update(1, 5_500, 1_500);
    assert.equal(tracker.isIdle(0, 1_500), true);
    tracker.update(0, 8_000, 1_600);
    assert.equal(tracker.isIdle(0, 1_600), false);
    assert.equal(tracker.combinedWatermark(1_600), 5_500);
    // now partition 1 goes silent
    assert.deepEqual(tracker.idlePartitions(2_500), [1]);
    assert.equal(tracker.combinedWatermark(2_500), 8_000);
  });

  it('lists idle partitions in ascending order', () => {
    const tracker = new WatermarkTracker(100);
    for (const p of [5, 2, 9, 0]) tracker.update(p, 0, 0);
    tracker.update(9, 1, 150);
    assert.deepEqual(tracker.idlePartitions(200), [0, 2, 5]);
    assert.deepEqual(tracker.idlePartitions(250), [0, 2, 5, 9]);
  });

  it('when every partition is idle, nothing holds the combined watermark below the highest', () => {
    const tracker = new WatermarkTracker(100);
    tracker.update(0, 10, 0);
    tracker.update(1, 70, 0);
    assert.equal(tracker.combinedWatermark(50), 10);
    assert.equal(tracker.combinedWatermark(500), 70);
  });

  it('forgets a removed partition', () => {
    const tracker = new WatermarkTracker(1_000);
    tracker.update(0, 10, 0);
    tracker.update(1, 70, 0);
    tracker.remove(0);
    assert.equal(tracker.combinedWatermark(1), 70);
    assert.equal(tracker.watermarkOf(0), -Infinity);
    assert.equal(tracker.isIdle(0, 10_000), false);
  });

  it('a partition without a watermark yet holds the combined watermark at -Infinity while active', () => {
    const tracker = new WatermarkTracker(1_000);
    tracker.update(0, 500, 0);
    tracker.update(1, -Infinity, 0);
    assert.equal(tracker.combinedWatermark(10), -Infinity);
    assert.equal(tracker.combinedWatermark(1_000), 500);
  });

  it(
    'the combined watermark never decreases when an idle partition becomes active again',
    () => {
      const tracker = new WatermarkTracker(1_000);
      tracker.update(0, 100, 0);
      tracker.update(1, 5_000, 0);
      tracker.update(1, 5_000, 1_000);
      const whileIdle = tracker.combinedWatermark(1_000);
      assert.equal(whileIdle, 5_000);
      tracker.update(0, 200, 1_100);
      assert.ok(tracker.combinedWatermark(1_100) >= whileIdle, `went back from ${whileIdle} to ${tracker.combinedWatermark(1_100)}`);
    },
  );
});
