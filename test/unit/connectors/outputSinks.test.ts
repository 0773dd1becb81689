import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { InfluxSink, type InfluxSinkOptions } from '../../../src/connectors/influx/InfluxSink.js';
import { OutputWriteError } from '../../../src/connectors/file/OutputWriteError.js';
import { WritableLineSink } from '../../../src/connectors/file/WritableLineSink.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { DEFAULT_RETRY } from '../../../src/runtime/createRetry.js';
import { BackpressureGate } from '../../../src/runtime/BackpressureGate.js';
import { tempDir } from '../cli/cliHarness.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  tmp = await tempDir('sinks');
});
after(() => tmp.remove());

describe('WritableLineSink failures', () => {
  test('a write error rejects `failed` as soon as the stream reports it, naming the option, path, cause and fix', async () => {
    const gate = new BackpressureGate();
    const sink = new WritableLineSink({ path: '/dev/full', option: '--dead-letter' }, gate);
    await sink.opened;
    sink.write(['a line']);
    // No flush, no further write: the failure must come out by itself.
    const failure = await sink.failed.catch((error: unknown) => error);
    assert.ok(failure instanceof OutputWriteError, String(failure));
    assert.equal(failure.message, '--dead-letter: cannot write /dev/full (ENOSPC: no space left on the device); free some space or write to another disk');
    assert.equal(failure.option, '--dead-letter');
    assert.equal(failure.code, 'ENOSPC');
    assert.equal(gate.isOpen, true, 'a source held back by the gate wakes up to see the failure');
    assert.throws(() => sink.write(['more']), (e: unknown) => e === failure);
    await assert.rejects(sink.flush(), (e: unknown) => e === failure);
    await assert.rejects(sink.close(), (e: unknown) => e === failure);
  });

  test('a file that cannot be opened rejects `opened` with a message that says which directory is missing', async () => {
    const path = tmp.path('no-such-dir/out.lp');
    const sink = new WritableLineSink({ path, option: '--to' });
    await assert.rejects(sink.opened, (error: unknown) => {
      assert.ok(error instanceof OutputWriteError);
      assert.equal(error.message, `--to: cannot write ${path} (ENOENT: no such directory); create the directory first or choose another path`);
      assert.equal(error.detail, `cannot write ${path} (ENOENT: no such directory); create the directory first or choose another path`);
      return true;
    });
    await assert.rejects(sink.failed, OutputWriteError);
  });

  test('without an option the message starts with what failed; withOption names it later', () => {
    const error = new OutputWriteError('x/out.lp', Object.assign(new Error('boom'), { code: 'EACCES' }));
    assert.equal(error.message, 'cannot write x/out.lp (EACCES: permission denied); choose a path you may write or change its permissions');
    assert.equal(error.withOption('--late-output').message, `--late-output: ${error.message}`);
  });

  test('a file output pauses the sources only once it buffers its DEFAULTS.file.outputBufferBytes (a window of points is far below), and resumes them once written', async () => {
    const window = Array.from({ length: 1_000 }, (_, i) => `url_counts,partition=0,url=/p/${i} count=${i}i 1735689600000000000`);
    assert.ok(Buffer.byteLength(window.join('\n')) > 16 * 1024, "more than Node's default buffer of a file stream");
    for (const bufferBytes of [undefined, 16 * 1024]) {
      const gate = new BackpressureGate();
      const sink = new WritableLineSink({ path: tmp.path(`buffered-${bufferBytes}.lp`), bufferBytes }, gate);
      await sink.opened;
      sink.write(window);
      // write() says at once whether the buffer is full: no waiting involved.
      assert.equal(gate.isOpen, bufferBytes === undefined, `bufferBytes ${bufferBytes ?? DEFAULTS.file.outputBufferBytes}`);
      await sink.flush();
      await gate.whenOpen();
      await sink.close();
    }
  });

  test('flush waits for every write handed over so far; `failed` stays pending on success', async () => {
    const path = tmp.path('ok.lp');
    const sink = new WritableLineSink({ path });
    await sink.opened;
    for (let i = 0; i < 100; i++) sink.write([`m v=${i}i`]);
    await sink.flush();
    assert.equal((await readFile(path, 'utf8')).split('\n').length, 101);
    await sink.close();
    const settled = await Promise.race([sink.failed.then(() => 'resolved', () => 'rejected'), Promise.resolve('pending')]);
    assert.equal(settled, 'pending');
  });
});

describe('InfluxSink options', () => {
  const target = { url: 'http://localhost:8086', org: 'o', bucket: 'b', token: 't' };
  const construct = (options: Partial<InfluxSinkOptions>) => () => new InfluxSink({ target, ...options });
  const refuses = (options: Partial<InfluxSinkOptions>, pattern: RegExp) =>
    assert.throws(construct(options), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, pattern);
      return true;
    });

  test('batchLines 0 (which looped forever) and every other bad number are refused at construction with the rule', () => {
    refuses({ batchLines: 0 }, /^InfluxSink batchLines: must be a whole number ≥ 1 \(lines per write request\), got 0$/);
    refuses({ batchLines: 2.5 }, /batchLines: must be a whole number ≥ 1/);
    refuses({ batchLines: Number.NaN }, /batchLines: .*got NaN/);
    refuses({ flushIntervalMs: -1 }, /flushIntervalMs: must be a whole number from 0 to 2147483647/);
    refuses({ flushIntervalMs: 2 ** 31 }, /flushIntervalMs/);
    refuses({ maxBufferLines: 0 }, /maxBufferLines: must be a whole number ≥ 1/);
    refuses({ gzipThreshold: -5 }, /gzipThreshold: must be a whole number ≥ 0/);
    refuses({ batchLines: 10, maxBufferLines: 5 }, /batchLines: must be at most maxBufferLines \(5\), got 10/);
    refuses({ retry: { ...DEFAULT_RETRY, initialDelayMs: -1 } }, /retry\.initialDelayMs/);
    refuses({ retry: { ...DEFAULT_RETRY, maxDelayMs: 10 } }, /retry\.maxDelayMs: must be a whole number from 500/);
    refuses({ retry: { ...DEFAULT_RETRY, factor: 0.5 } }, /retry\.factor: must be a number ≥ 1/);
    refuses({ retry: { ...DEFAULT_RETRY, jitter: 2 } }, /retry\.jitter: must be a number from 0 to 1/);
    refuses({ retry: { ...DEFAULT_RETRY, maxElapsedMs: Number.POSITIVE_INFINITY } }, /retry\.maxElapsedMs/);
  });

  test('the defaults and sensible values are accepted', async () => {
    for (const options of [{}, { batchLines: 1, maxBufferLines: 1, flushIntervalMs: 0, gzipThreshold: 0 }, { retry: DEFAULT_RETRY }]) {
      const sink = construct(options)();
      await sink.close();
    }
  });
});
