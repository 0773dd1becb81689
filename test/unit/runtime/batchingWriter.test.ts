import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackpressureGate } from '../../../src/runtime/BackpressureGate.js';
import { BatchingWriter, type BatchingWriterOptions } from '../../../src/runtime/BatchingWriter.js';

class StoreDown extends Error {}

/**
 * A store whose requests resolve only when the test says: what each request carried, how many
 * were in flight at once, and a promise per request that it started.
 */
class HeldStore {
  readonly batches: string[][] = [];
  maxInFlight = 0;
  private inFlight = 0;
  private readonly pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private started: (() => void) | undefined;

  readonly send = (lines: string[]): Promise<void> => {
    this.batches.push([...lines]);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.started?.();
    return new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject })).finally(() => this.inFlight--);
  };

  /** Resolves once `count` requests have started. */
  async requests(count: number): Promise<void> {
    while (this.batches.length < count) await new Promise<void>((resolve) => (this.started = resolve));
  }

  /** Answers the oldest open request. */
  answer(error?: Error): void {
    const request = this.pending.shift();
    assert.ok(request, 'a request is open');
    if (error === undefined) request.resolve();
    else request.reject(error);
  }
}

function writer(store: HeldStore, options: Partial<BatchingWriterOptions<Error>> = {}): BatchingWriter<Error> {
  return new BatchingWriter({
    batchSize: 2,
    flushIntervalMs: 60_000,
    maxBacklog: 100,
    send: store.send,
    failureOf: (error) => new Error(`final: ${(error as Error).message}`),
    ...options,
  });
}

// A writer that lost a line would leave a test waiting for a request: fail it instead.
describe('BatchingWriter', { timeout: 30_000 }, () => {
  test('sends full batches at once, in order, one request at a time; flush sends the rest and waits for all', async () => {
    const store = new HeldStore();
    const out = writer(store);
    out.write(['a', 'b', 'c', 'd']);
    out.write(['e']);
    await store.requests(1);
    const flushed = out.flush();
    let done = false;
    void flushed.then(() => (done = true));
    store.answer();
    await store.requests(2);
    store.answer();
    await store.requests(3);
    assert.equal(done, false, 'flush waits for the last request');
    store.answer();
    await flushed;
    assert.deepEqual(store.batches, [['a', 'b'], ['c', 'd'], ['e']]);
    assert.equal(store.maxInFlight, 1);
    await out.close();
  });

  test('a line below a batch waits at most flushIntervalMs, without a flush', async () => {
    const store = new HeldStore();
    const out = writer(store, { flushIntervalMs: 20 });
    out.write(['a']);
    await store.requests(1);
    assert.deepEqual(store.batches, [['a']]);
    store.answer();
    await out.close();
  });

  test('closes the gate at maxBacklog and opens it once the backlog is below half', async () => {
    const store = new HeldStore();
    const gate = new BackpressureGate();
    const out = writer(store, { batchSize: 2, maxBacklog: 4, gate });
    out.write(['a', 'b', 'c']);
    assert.equal(gate.isOpen, true, '3 lines < 4');
    out.write(['d']);
    assert.equal(gate.isOpen, false, '4 lines buffered or in flight');
    await store.requests(1);
    store.answer();
    await store.requests(2);
    assert.equal(gate.isOpen, false, '2 lines buffered or in flight: not below half');
    store.answer();
    await gate.whenOpen();
    const flushed = out.flush();
    await store.requests(3);
    store.answer();
    await flushed;
    assert.deepEqual(store.batches, [['a', 'b'], ['c'], ['d']]);
    await out.close();
  });

  test('the first failed batch is final: failed rejects, later batches are not sent, write and flush throw, the gate opens', async () => {
    const store = new HeldStore();
    const gate = new BackpressureGate();
    const out = writer(store, { maxBacklog: 4, gate });
    out.write(['a', 'b', 'c', 'd']);
    assert.equal(gate.isOpen, false);
    await store.requests(1);
    store.answer(new StoreDown('refused'));
    await assert.rejects(out.failed, { message: 'final: refused' });
    await assert.rejects(out.flush(), { message: 'final: refused' });
    assert.deepEqual(store.batches, [['a', 'b']], 'the batch after the failure is dropped');
    assert.throws(() => out.write(['e']), { message: 'final: refused' });
    assert.equal(gate.isOpen, true, 'a failed sink must not hold the source forever');
    await assert.rejects(out.close(), { message: 'final: refused' });
  });

  test('onWrite is told each stored batch, in seconds', async () => {
    const store = new HeldStore();
    const seconds: number[] = [];
    const out = writer(store, { onWrite: (s) => seconds.push(s) });
    out.write(['a', 'b']);
    await store.requests(1);
    store.answer();
    await out.flush();
    assert.equal(seconds.length, 1);
    assert.ok(seconds[0]! >= 0 && seconds[0]! < 60, `a plausible duration: ${seconds[0]}`);
    await out.close();
  });
});
