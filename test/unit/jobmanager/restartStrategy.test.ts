import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRestartStrategy, restartDelayMs } from '../../../src/jobmanager/RestartStrategy.js';

describe('parseRestartStrategy', () => {
  test('delays up to 24 days are taken as written', () => {
    assert.deepEqual(parseRestartStrategy('fixed-delay:3:24d'), { kind: 'fixed-delay', attempts: 3, delayMs: 24 * 86_400_000 });
    assert.equal(restartDelayMs(parseRestartStrategy('exponential:1s:24d:40'), 40), 24 * 86_400_000);
  });

  test('a delay longer than a timer can wait is refused, since Node would fire it at once and restart without a pause', () => {
    assert.throws(() => parseRestartStrategy('fixed-delay:3:30d'), /--restart: a delay of 30d is longer than a timer can wait; give at most 24d/);
    assert.throws(() => parseRestartStrategy('exponential:1s:30d:5'), /--restart: a delay of 30d is longer than a timer can wait/);
  });
});
