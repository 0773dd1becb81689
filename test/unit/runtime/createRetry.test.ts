import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { ClickflowError } from '../../../src/errors/ClickflowError.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { createRetry, DEFAULT_RETRY, type RetryDecision, type RetryOptions } from '../../../src/runtime/createRetry.js';

const NO_JITTER: RetryOptions = { initialDelayMs: 10, maxDelayMs: 1_000, factor: 2, jitter: 0, maxElapsedMs: 60_000 };

class Transient extends Error {}
class Final extends Error {}
const classify = (error: unknown): RetryDecision => ({ retriable: error instanceof Transient });

/** An operation that fails with the given errors in turn, then returns `value`. */
function failing<T>(errors: Error[], value: T): { op: (attempt: number) => Promise<T>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    op: async (attempt) => {
      attempts.push(attempt);
      const error = errors[attempts.length - 1];
      if (error !== undefined) throw error;
      return value;
    },
  };
}

/** A sleep that records its delays and advances a fake Date.now by them. */
function fakeClock(t: TestContext): { sleep: (ms: number) => Promise<void>; slept: number[] } {
  let now = 1_000_000;
  t.mock.method(Date, 'now', () => now);
  const slept: number[] = [];
  return {
    slept,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('createRetry', () => {
  test('retries retriable failures with exponential backoff, then returns the result', async (t) => {
    const clock = fakeClock(t);
    const retries: [number, number][] = [];
    const retry = createRetry(NO_JITTER, classify, clock.sleep, (_e, attempt, delayMs) => retries.push([attempt, delayMs]));
    const { op, attempts } = failing([new Transient('a'), new Transient('b'), new Transient('c')], 'ok');
    assert.equal(await retry(op), 'ok');
    assert.deepEqual(attempts, [1, 2, 3, 4]);
    assert.deepEqual(clock.slept, [10, 20, 40]);
    assert.deepEqual(retries, [
      [1, 10],
      [2, 20],
      [3, 40],
    ]);
  });

  test('the first success needs no sleep', async (t) => {
    const clock = fakeClock(t);
    const { op, attempts } = failing([], 42);
    assert.equal(await createRetry(NO_JITTER, classify, clock.sleep)(op), 42);
    assert.deepEqual(attempts, [1]);
    assert.deepEqual(clock.slept, []);
  });

  test('delays stop growing at maxDelayMs', async (t) => {
    const clock = fakeClock(t);
    const retry = createRetry({ ...NO_JITTER, initialDelayMs: 10, factor: 3, maxDelayMs: 50 }, classify, clock.sleep);
    const { op } = failing(Array.from({ length: 5 }, () => new Transient()), 'ok');
    await retry(op);
    assert.deepEqual(clock.slept, [10, 30, 50, 50, 50]);
  });

  test('bails at once on a non-retriable failure', async (t) => {
    const clock = fakeClock(t);
    const final = new Final('401 unauthorized');
    const { op, attempts } = failing([new Transient(), final], 'never');
    await assert.rejects(createRetry(NO_JITTER, classify, clock.sleep)(op), (e) => e === final);
    assert.deepEqual(attempts, [1, 2]);
    assert.deepEqual(clock.slept, [10]);
  });

  test('a non-retriable ClickflowError is rethrown without asking classify', async (t) => {
    const clock = fakeClock(t);
    let asked = 0;
    const retry = createRetry(NO_JITTER, () => (asked++, { retriable: true }), clock.sleep);
    const error = new ConfigError('--influx-url', 'missing');
    await assert.rejects(retry(failing([error], 1).op), (e) => e === error);
    assert.equal(asked, 0);
    assert.deepEqual(clock.slept, []);
  });

  test('a retriable ClickflowError is retried when classify agrees', async (t) => {
    const clock = fakeClock(t);
    const retry = createRetry(NO_JITTER, () => ({ retriable: true }), clock.sleep);
    const { op, attempts } = failing([new ClickflowError('503', { retriable: true })], 'ok');
    assert.equal(await retry(op), 'ok');
    assert.deepEqual(attempts, [1, 2]);
  });

  test("a server's minimum delay (Retry-After) wins over a shorter backoff", async (t) => {
    const clock = fakeClock(t);
    const retry = createRetry(NO_JITTER, () => ({ retriable: true, minDelayMs: 35 }), clock.sleep);
    await retry(failing([new Transient(), new Transient()], 'ok').op);
    assert.deepEqual(clock.slept, [35, 35]);
  });

  test('a shorter budget for one kind of failure (maxDelayMs) caps the wait at what is left of it', async (t) => {
    const clock = fakeClock(t);
    // The backoff would wait 10, 20, 40; 25 ms are left of the shorter budget, then 5, then none.
    const left = [25, 5, 0];
    const retry = createRetry(NO_JITTER, () => {
      const leftMs = left.shift()!;
      return { retriable: leftMs > 0, maxDelayMs: leftMs };
    }, clock.sleep);
    const errors = [new Transient('1'), new Transient('2'), new Transient('3')];
    await assert.rejects(retry(failing(errors, 'never').op), (e) => e === errors[2]);
    assert.deepEqual(clock.slept, [10, 5]);
  });

  test('gives up with the last error once the time budget would be exceeded', async (t) => {
    const clock = fakeClock(t);
    // Budget 100 ms: waits 10, 20, 40 (70 in all); the next wait of 80 would end at 150 > 100.
    const retry = createRetry({ ...NO_JITTER, maxElapsedMs: 100 }, classify, clock.sleep);
    const errors = Array.from({ length: 10 }, (_, i) => new Transient(`failure ${i + 1}`));
    const { op, attempts } = failing(errors, 'never');
    await assert.rejects(retry(op), (e) => e === errors[3]);
    assert.deepEqual(attempts, [1, 2, 3, 4]);
    assert.deepEqual(clock.slept, [10, 20, 40]);
  });

  test('jitter spreads each delay by up to ± the share', async (t) => {
    const clock = fakeClock(t);
    const options = { ...NO_JITTER, initialDelayMs: 100, factor: 1, jitter: 0.5 };
    const randoms = [0, 0.999999, 0.5];
    t.mock.method(Math, 'random', () => randoms.shift() ?? 0.5);
    await createRetry(options, classify, clock.sleep)(failing([new Transient(), new Transient(), new Transient()], 'ok').op);
    assert.deepEqual(clock.slept, [50, 150, 100]);
  });

  test(
    'no delay exceeds maxDelayMs, jitter included',
    async (t) => {
      const clock = fakeClock(t);
      t.mock.method(Math, 'random', () => 0.999999);
      const retry = createRetry({ ...NO_JITTER, initialDelayMs: 100, maxDelayMs: 100, jitter: 0.2 }, classify, clock.sleep);
      await retry(failing([new Transient(), new Transient()], 'ok').op);
      for (const ms of clock.slept) assert.ok(ms <= 100, `slept ${ms} ms`);
    },
  );

  test('with real sleeps and tiny delays, it really waits', async () => {
    const retry = createRetry({ ...NO_JITTER, initialDelayMs: 5, jitter: 0.2 }, classify);
    const started = performance.now();
    const { op, attempts } = failing([new Transient(), new Transient()], 'done');
    assert.equal(await retry(op), 'done');
    assert.equal(attempts.length, 3);
    // At least 5 × 0.8 + 10 × 0.8 = 12 ms (minus timer granularity).
    assert.ok(performance.now() - started >= 10);
  });

  test('DEFAULT_RETRY: 0.5 s doubling to 30 s, ±20 %, for up to 5 minutes', () => {
    assert.deepEqual(DEFAULT_RETRY, { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.2, maxElapsedMs: 300_000 });
  });
});
