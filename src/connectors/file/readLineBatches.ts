import { DEFAULTS } from '../../config/defaults.js';
import { constants, createReadStream, fstat, open, stat } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Observable } from '../../rxjs.js';
import { ClickflowError } from '../../errors/ClickflowError.js';
import type { RecordBatch } from '../../operators/RecordBatch.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
import { LineSplitter } from './LineSplitter.js';

/** Options of {@link readLineBatches}. */
export interface ReadLineBatchesOptions {
  /** A file path (a FIFO too), or `-` for standard input. */
  readonly path: string;
  /** Waited on between chunks, so that a slow sink slows the reading down. */
  readonly gate?: BackpressureGate;
  /** Bytes read at a time from a file; each read becomes one batch. Default `DEFAULTS.file.chunkBytes`. */
  readonly chunkBytes?: number;
  /**
   * A longer line is handed on as an `OversizedRecord` with its first `maxLineBytes` bytes,
   * which parseRecords dead-letters as `too_long`. Default `DEFAULTS.file.maxLineBytes`.
   */
  readonly maxLineBytes?: number;
}

const statOf = promisify(stat);
const openFd = promisify(open);
const fstatOf = promisify(fstat);

/**
 * Reads JSON lines from a file, a FIFO or stdin as one partition (0), a batch per chunk read.
 *
 * Emits the lines of each chunk with their 1-based line numbers as positions: lines that are
 * empty or only whitespace are skipped, a trailing `\r` and a leading byte-order mark are
 * dropped, and a line that is not valid UTF-8 is handed on as its original bytes (a `Buffer`)
 * for parseRecords to dead-letter (see {@link LineSplitter}). Completes at the end of the
 * input, which fires every open window downstream; errors if the file cannot be read.
 * Unsubscribing closes the input, stdin included, so that the process can exit at once.
 *
 * @example
 * readLineBatches({ path: 'events.jsonl' }).pipe(parseRecords({ validate: validateClickEvent, onInvalid }))
 */
export function readLineBatches(options: ReadLineBatchesOptions): Observable<RecordBatch<string | Uint8Array>> {
  const { path, gate, chunkBytes = DEFAULTS.file.chunkBytes, maxLineBytes = DEFAULTS.file.maxLineBytes } = options;
  for (const [name, value] of [['chunkBytes', chunkBytes], ['maxLineBytes', maxLineBytes]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`readLineBatches: ${name} is ${value}; give a whole number of bytes, at least 1`);
  }
  const name = path === '-' ? 'stdin' : path;
  return new Observable<RecordBatch<string | Uint8Array>>((subscriber) => {
    let stream: Readable | undefined;
    let stopped = false;
    (async () => {
      stream = await openInput(path, chunkBytes);
      if (stopped) {
        stream.destroy();
        return;
      }
      const lines = new LineSplitter(maxLineBytes);
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        // Strings only if someone called setEncoding on process.stdin; the splitter wants bytes.
        const batch = lines.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        if (batch !== undefined) subscriber.next(batch);
        if (stopped) return;
        if (gate !== undefined && !gate.isOpen) await gate.whenOpen();
      }
      const last = lines.end();
      if (last !== undefined) subscriber.next(last);
      subscriber.complete();
    })().catch((error: unknown) => {
      // Closing the input on unsubscribe ends a pending read with an error nobody waits for.
      if (stopped) return;
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      const hint =
        reason !== 'EISDIR' ? 'check that the file exists and is readable' : path === '-' ? 'it is a directory; redirect a JSON-lines file into it' : 'it is a directory; give the path of a JSON-lines file';
      subscriber.error(new ClickflowError(`cannot read ${name} (${reason}); ${hint}`, { cause: error }));
    });
    return () => {
      stopped = true;
      // stdin too: a pipe or terminal left open would keep the process alive after the job.
      stream?.destroy();
    };
  });
}

/** The input as a stream of Buffers. */
async function openInput(path: string, chunkBytes: number): Promise<Readable> {
  if (path === '-') {
    // Node reads a directory given as stdin (`< /tmp`) as an empty input: the job would end with nothing read.
    if ((await fstatOf(0)).isDirectory()) throw Object.assign(new Error('stdin is a directory'), { code: 'EISDIR' });
    return process.stdin;
  }
  if ((await statOf(path)).isFIFO()) {
    // open(2) of a FIFO blocks until a writer opens it, in a libuv thread that nothing can
    // interrupt, so a stopped job could not exit. Opened non-blocking it returns at once, and
    // a pipe socket waits for the writer's data in the event loop, where destroy() ends it.
    const fd = await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return new Socket({ fd, readable: true, writable: false });
  }
  return createReadStream(path, { highWaterMark: chunkBytes });
}
