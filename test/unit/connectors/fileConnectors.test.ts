import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { open, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { lastValueFrom, toArray } from 'rxjs';
import { FileDeadLetterSink } from '../../../src/connectors/file/FileDeadLetterSink.js';
import { readLineBatches as fileSource } from '../../../src/connectors/file/readLineBatches.js';
import { OversizedRecord } from '../../../src/events/OversizedRecord.js';
import { WritableLineSink } from '../../../src/connectors/file/WritableLineSink.js';
import { ClickflowError } from '../../../src/errors/ClickflowError.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { BackpressureGate } from '../../../src/runtime/BackpressureGate.js';
import { tempDir } from '../cli/cliHarness.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  tmp = await tempDir('connectors');
});
after(() => tmp.remove());

const flatten = (batches: RecordBatch<string | Uint8Array>[]) => ({
  records: batches.flatMap((b) => [...b.records]),
  positions: batches.flatMap((b) => [...(b.positions ?? [])]),
  partitions: new Set(batches.map((b) => b.partition)),
});

describe('fileSource', () => {
  test('emits non-empty lines with 1-based line numbers, drops \\r, keeps a last line without newline', async () => {
    const path = tmp.path('lines.jsonl');
    await writeFile(path, 'one\r\ntwo\n\nthree\r\n\r\nfour');
    const got = flatten(await lastValueFrom(fileSource({ path }).pipe(toArray())));
    assert.deepEqual(got.records, ['one', 'two', 'three', 'four']);
    assert.deepEqual(got.positions, [1, 2, 4, 6]);
    assert.deepEqual([...got.partitions], [0]);
  });

  test('lines split across small chunks come out whole, multi-byte characters intact', async () => {
    const path = tmp.path('chunks.jsonl');
    const lines = Array.from({ length: 40 }, (_, i) => `{"url":"/café/${'é'.repeat(i % 7)}🙂${i}"}`);
    await writeFile(path, `${lines.join('\n')}\n`);
    const batches = await lastValueFrom(fileSource({ path, chunkBytes: 7 }).pipe(toArray()));
    assert.ok(batches.length > 10, `read in many chunks (${batches.length})`);
    const got = flatten(batches);
    assert.deepEqual(got.records, lines);
    assert.deepEqual(got.positions, lines.map((_, i) => i + 1));
  });

  test('a byte-order mark at the start of the file is dropped, even when the first read splits it', async () => {
    const path = tmp.path('bom.jsonl');
    await writeFile(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n\uFEFF{"b":2}\n')]));
    for (const chunkBytes of [1, 2, 5, 1 << 20]) {
      const got = flatten(await lastValueFrom(fileSource({ path, chunkBytes }).pipe(toArray())));
      // Only the file's mark goes: one inside the file is data (parseRecords decides about it).
      assert.deepEqual(got.records, ['{"a":1}', '\uFEFF{"b":2}'], `chunkBytes ${chunkBytes}`);
      assert.deepEqual(got.positions, [1, 2]);
    }
  });

  test('whitespace-only lines are skipped like empty ones, their line numbers still counted', async () => {
    const path = tmp.path('blank.jsonl');
    await writeFile(path, 'one\n   \n\t\r\n \t \ntwo\n  {"x":1}  \n\r\n\r');
    for (const chunkBytes of [3, 1 << 20]) {
      const got = flatten(await lastValueFrom(fileSource({ path, chunkBytes }).pipe(toArray())));
      assert.deepEqual(got.records, ['one', 'two', '  {"x":1}  '], `chunkBytes ${chunkBytes}`);
      assert.deepEqual(got.positions, [1, 5, 6]);
    }
  });

  test('a line that is not UTF-8 comes out as its original bytes; the others as text', async () => {
    const path = tmp.path('latin1.jsonl');
    const bad1 = Buffer.from([...Buffer.from('{"url":"/caf'), 0xe9, ...Buffer.from('"}')]);
    const bad2 = Buffer.from([...Buffer.from('{"url":"/caf'), 0xff, ...Buffer.from('"}')]);
    const content = Buffer.concat([Buffer.from('{"url":"/é"}\n'), bad1, Buffer.from('\r\n'), bad2, Buffer.from('\n \n{"url":"/b"}')]);
    await writeFile(path, content);
    for (const chunkBytes of [4, 13, 1 << 20]) {
      const got = flatten(await lastValueFrom(fileSource({ path, chunkBytes }).pipe(toArray())));
      assert.equal(got.records.length, 4, `chunkBytes ${chunkBytes}`);
      assert.deepEqual(got.positions, [1, 2, 3, 5]);
      assert.equal(got.records[0], '{"url":"/é"}');
      assert.ok(Buffer.isBuffer(got.records[1]));
      assert.deepEqual(got.records[1], bad1, 'the bytes as they were, without the \\r');
      assert.deepEqual(got.records[2], bad2, 'a different line stays different');
      assert.equal(got.records[3], '{"url":"/b"}');
    }
  });

  test('a line with a NUL byte is handed on as text, for parseRecords to refuse', async () => {
    const path = tmp.path('nul.jsonl');
    await writeFile(path, 'a\0b\n\0\n');
    const got = flatten(await lastValueFrom(fileSource({ path }).pipe(toArray())));
    assert.deepEqual(got.records, ['a\0b', '\0']);
  });

  test('a line longer than maxLineBytes becomes an OversizedRecord with its first bytes; the next lines are intact', async () => {
    const path = tmp.path('long.jsonl');
    const long = `{"url":"/${'é'.repeat(40)}"}`; // 91 bytes
    const exact = 'x'.repeat(64);
    await writeFile(path, `first\n${long}\n${exact}\r\n${'y'.repeat(65)}\r\nlast\n${'z'.repeat(300)}`);
    // Lines within one read and lines across reads, without and with a \r\n ending.
    for (const chunkBytes of [7, 64, 1 << 20]) {
      const got = flatten(await lastValueFrom(fileSource({ path, chunkBytes, maxLineBytes: 64 }).pipe(toArray())));
      assert.deepEqual(got.positions, [1, 2, 3, 4, 5, 6], `chunkBytes ${chunkBytes}`);
      assert.equal(got.records[0], 'first');
      assert.ok(got.records[1] instanceof OversizedRecord);
      assert.equal(got.records[1].totalBytes, Buffer.byteLength(long));
      assert.deepEqual(Buffer.from(got.records[1]), Buffer.from(long).subarray(0, 64));
      assert.equal(got.records[2], exact, 'exactly maxLineBytes is not too long');
      assert.ok(got.records[3] instanceof OversizedRecord);
      assert.equal(got.records[3].totalBytes, 65, 'counted without the \\r');
      assert.equal(got.records[4], 'last');
      assert.ok(got.records[5] instanceof OversizedRecord);
      assert.equal(got.records[5].totalBytes, 300);
      assert.equal(got.records[5].length, 64);
    }
  });

  test('reads a FIFO and completes when its writer closes', { skip: process.platform === 'win32' }, async () => {
    const path = tmp.path('lines.fifo');
    execFileSync('mkfifo', [path]);
    const result = lastValueFrom(fileSource({ path }).pipe(toArray()));
    // Opening for writing waits until a reader has the FIFO open.
    const writer = await open(path, 'w');
    await writer.write('a\nb\n');
    await writer.write('c');
    await writer.close();
    assert.deepEqual(flatten(await result).records, ['a', 'b', 'c']);
  });

  test('refuses a chunk or line size that is not a positive whole number', () => {
    assert.throws(() => fileSource({ path: 'x', chunkBytes: 0 }), /chunkBytes is 0/);
    assert.throws(() => fileSource({ path: 'x', maxLineBytes: 1.5 }), /maxLineBytes is 1.5/);
  });

  test('an empty file completes with no batch', async () => {
    const path = tmp.path('empty.jsonl');
    await writeFile(path, '');
    assert.deepEqual(await lastValueFrom(fileSource({ path }).pipe(toArray())), []);
  });

  test('a missing file errors with a ClickflowError naming the file and the cause', async () => {
    const path = tmp.path('missing.jsonl');
    await assert.rejects(lastValueFrom(fileSource({ path })), (error: unknown) => {
      assert.ok(error instanceof ClickflowError);
      assert.ok(error.message.includes(path));
      assert.match(error.message, /ENOENT/);
      assert.equal(error.retriable, false);
      return true;
    });
  });

  test('a directory errors with a ClickflowError that says so', async () => {
    await assert.rejects(lastValueFrom(fileSource({ path: tmp.dir })), (error: unknown) => {
      assert.ok(error instanceof ClickflowError);
      assert.match(error.message, /EISDIR.*is a directory; give the path of a JSON-lines file/);
      return true;
    });
  });

  test('waits on a closed gate between chunks', async () => {
    const path = tmp.path('gated.jsonl');
    await writeFile(path, Array.from({ length: 20 }, (_, i) => `line-${i}`).join('\n'));
    const gate = new BackpressureGate();
    gate.close();
    const batches: RecordBatch<string | Uint8Array>[] = [];
    let completed = false;
    const subscription = fileSource({ path, gate, chunkBytes: 16 }).subscribe({
      next: (b) => batches.push(b),
      complete: () => (completed = true),
    });
    try {
      const deadline = Date.now() + 2_000;
      while (batches.length === 0 && Date.now() < deadline) await delay(2);
      await delay(30);
      assert.equal(batches.length, 1, 'one chunk, then it waits');
      assert.equal(completed, false);
      gate.open();
      while (!completed && Date.now() < deadline) {
        await delay(2);
        gate.open();
      }
      assert.equal(completed, true);
      assert.equal(flatten(batches).records.length, 20);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe('WritableLineSink', () => {
  test('writes each batch as newline-terminated lines; close finishes the file', async () => {
    const path = tmp.path('out.lp');
    const sink = new WritableLineSink({ path });
    sink.write(['a 1', 'b 2']);
    sink.write([]);
    sink.write(['c 3']);
    await sink.close();
    assert.equal(await readFile(path, 'utf8'), 'a 1\nb 2\nc 3\n');
  });

  test('truncates an existing file', async () => {
    const path = tmp.path('truncate.lp');
    await writeFile(path, 'old content that is long\n');
    const sink = new WritableLineSink({ path });
    sink.write(['new']);
    await sink.close();
    assert.equal(await readFile(path, 'utf8'), 'new\n');
  });

  test(
    'flush resolves only once the lines written so far are in the file',
    async () => {
      const path = tmp.path('flushed.lp');
      const sink = new WritableLineSink({ path });
      try {
        sink.write(['x 1']);
        await sink.flush();
        assert.equal(await readFile(path, 'utf8').catch(() => '<no file>'), 'x 1\n');
      } finally {
        await sink.close();
      }
    },
  );

  test('closes the gate when its buffer is full and opens it once drained', async () => {
    const path = tmp.path('big.lp');
    const gate = new BackpressureGate();
    const sink = new WritableLineSink({ path }, gate);
    const line = 'x'.repeat(1023);
    const lines = DEFAULTS.file.outputBufferBytes / 1024 + 1;
    sink.write(Array.from({ length: lines }, () => line)); // 1 KiB more than the buffer's size
    assert.equal(gate.isOpen, false);
    await sink.flush();
    assert.equal(gate.isOpen, true);
    await sink.close();
    assert.equal((await readFile(path, 'utf8')).length, lines * 1024);
  });

  test('a file that cannot be opened fails the next write or flush with the cause', async () => {
    const path = tmp.path('no-such-dir/out.lp');
    const sink = new WritableLineSink({ path });
    // The open fails asynchronously: wait for flush to report it.
    let failure: unknown;
    const deadline = Date.now() + 2_000;
    while (failure === undefined && Date.now() < deadline) {
      await sink.flush().catch((error: unknown) => (failure = error));
      if (failure === undefined) await delay(2);
    }
    assert.match(String(failure), /ENOENT/);
    assert.ok(String(failure).includes('no-such-dir'), String(failure));
    assert.throws(() => sink.write(['a']), /ENOENT/);
  });
});

describe('FileDeadLetterSink', () => {
  test('writes each invalid record as a JSON line with reason, detail, partition, position and raw', async () => {
    const path = tmp.path('dead.jsonl');
    const sink = new FileDeadLetterSink(new WritableLineSink({ path }));
    sink.write({ raw: '{"url":', reason: 'not_json', detail: 'Unexpected end of JSON input', partition: 0, position: 3 });
    sink.write({
      raw: new TextEncoder().encode('{"http_status":700,"url":"/é"}'),
      reason: 'status_out_of_range',
      detail: 'http_status is 700',
      partition: 2,
      position: 1234,
    });
    await sink.flush();
    await sink.close();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(lines, [
      { reason: 'not_json', detail: 'Unexpected end of JSON input', partition: 0, position: 3, raw: '{"url":' },
      { reason: 'status_out_of_range', detail: 'http_status is 700', partition: 2, position: 1234, raw: '{"http_status":700,"url":"/é"}' },
    ]);
  });
});

describe('FileDeadLetterSink with bytes', () => {
  test('bytes that are not UTF-8 are written as raw_base64, exactly; UTF-8 bytes as raw, a byte-order mark kept', async () => {
    const path = tmp.path('dead-bytes.jsonl');
    const notUtf8 = Buffer.from([...Buffer.from('{"url":"/caf'), 0xe9, 0x00, 0xff, ...Buffer.from('"}')]);
    const withMark = Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"url":')]);
    const sink = new FileDeadLetterSink(new WritableLineSink({ path }));
    sink.write({ raw: notUtf8, reason: 'bad_encoding', detail: 'not valid UTF-8', partition: 0, position: 9 });
    sink.write({ raw: new Uint8Array(withMark), reason: 'not_json', detail: 'Unexpected end', partition: 0, position: 10 });
    sink.write({ raw: 'a\0b\ud800', reason: 'not_json', detail: 'Bad control character', partition: 0, position: 11 });
    await sink.close();
    const text = await readFile(path, 'utf8');
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines[0], {
      reason: 'bad_encoding',
      detail: 'not valid UTF-8',
      partition: 0,
      position: 9,
      raw_base64: notUtf8.toString('base64'),
    });
    assert.deepEqual(Buffer.from(lines[0]!.raw_base64 as string, 'base64'), notUtf8);
    assert.equal(lines[1]!.raw, '\uFEFF{"url":', 'the mark is part of the raw record');
    assert.equal(lines[2]!.raw, 'a\0b\ud800', 'NUL and a lone surrogate survive the JSON line');
    assert.equal(text.includes('\uFFFD'), false, 'nothing was replaced');
  });
});
