import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import type { GeneratorOptions } from '../../../src/producer/ClickstreamGenerator.js';
import { runProducer, type ProducerRun, type ProducerTarget } from '../../../src/producer/runProducer.js';

const GENERATOR: GeneratorOptions = {
  seed: 1,
  urls: 10,
  users: 10,
  errorRate: 0.05,
  startTimeMs: Date.UTC(2025, 0, 1),
  eventsPerSecond: 1000,
  bursts: [],
  outOfOrderMs: 0,
  invalidFraction: 0,
};

/**
 * A stream target that completes every write at once, as Node's stdout does for a pipe or a
 * file on Linux; `onWrite` sees the write's number (from 1) and may fail it.
 */
function memoryTarget(onWrite: (write: number) => void = () => {}) {
  const lines: string[] = [];
  let writes = 0;
  const target: ProducerTarget = {
    kind: 'stream',
    write: (text) => {
      writes++;
      try {
        onWrite(writes);
      } catch (error) {
        return Promise.reject(error);
      }
      lines.push(...text.slice(0, -1).split('\n'));
      return Promise.resolve();
    },
  };
  return { target, lines, writes: () => writes };
}

const run = (overrides: Partial<ProducerRun>): ProducerRun => ({ generator: GENERATOR, batchSize: 100, ...overrides });

describe('runProducer', () => {
  test('a paced run sleeps between records instead of spinning', async () => {
    const { target, lines } = memoryTarget();
    // A busy-wait holds the event loop, so a 10 ms timer cannot fire while it runs; CPU time
    // would not tell, as a spinning process gets only its share of a loaded machine.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    let startedMs = performance.now();
    try {
      // 11 records at 20/s: the last is due 500 ms after the first.
      const result = await runProducer(
        run({
          rate: 20,
          count: 11,
          // From here on: building the generator is not part of the pacing.
          onStart: () => {
            startedMs = performance.now();
            ticks = 0;
          },
        }),
        target,
      );
      assert.equal(result.sent, 11);
    } finally {
      clearInterval(ticker);
    }
    const wallMs = performance.now() - startedMs;
    assert.equal(lines.length, 11);
    assert.ok(wallMs >= 495, `11 records at 20/s took ${wallMs.toFixed(0)} ms, less than the 500 ms the rate allows`);
    // About 50 ticks when the loop sleeps; a loaded machine may delay some, not most.
    assert.ok(ticks >= 10, `only ${ticks} ticks of a 10 ms timer in ${wallMs.toFixed(0)} ms: the loop spins instead of sleeping`);
  });

  test('onStart comes once, after the generator is built and before the first record', async () => {
    const order: string[] = [];
    const { target } = memoryTarget(() => order.push('write'));
    await runProducer(run({ count: 250, onStart: () => order.push('start') }), target);
    assert.deepEqual(order, ['start', 'write', 'write', 'write']);
  });

  test('an abort stops generating: the batch on its way is written, none after, and the result counts it', async () => {
    const controller = new AbortController();
    const { target, lines, writes } = memoryTarget((n) => {
      if (n === 3) controller.abort();
    });
    const result = await runProducer(run({ batchSize: 5, signal: controller.signal }), target);
    assert.equal(writes(), 3);
    assert.equal(lines.length, 15);
    assert.equal(result.sent, 15);
  });

  test('a failed write (EPIPE) ends the run with its error, and nothing more is written', async () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const { target, writes } = memoryTarget((n) => {
      if (n === 2) throw epipe;
    });
    await assert.rejects(runProducer(run({ batchSize: 10 }), target), (error) => error === epipe);
    assert.equal(writes(), 2);
  });

  test('a rate outside 0.001 … 10 000 000 per second is a ConfigError naming the range', async () => {
    for (const rate of [1e-9, 0, -1, Number.NaN, Infinity, 2e7]) {
      await assert.rejects(runProducer(run({ rate, count: 3 }), memoryTarget().target), (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.equal(error.option, '--rate');
        assert.match(error.message, /0\.001.*10000000/);
        return true;
      });
    }
  });
});
