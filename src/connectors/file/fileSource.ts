import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Observable } from 'rxjs';
import { ClickflowError } from '../../errors/ClickflowError.js';
import type { RecordBatch } from '../../operators/RecordBatch.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';

/** Options of {@link fileSource}. */
export interface FileSourceOptions {
  /** A file path, or `-` for standard input. */
  readonly path: string;
  /** Waited on between chunks, so that a slow sink slows the reading down. */
  readonly gate?: BackpressureGate;
  /** Bytes read at a time; each read becomes one batch. Default 1 MiB. */
  readonly chunkBytes?: number;
}

/**
 * Reads JSON lines from a file or stdin as one partition (0), a batch per chunk read.
 *
 * Emits the lines of each chunk with their 1-based line numbers as positions (empty lines
 * are skipped, a trailing `\r` is dropped); completes at the end of the input, which fires
 * every open window downstream; errors if the file cannot be read.
 */
export function fileSource(options: FileSourceOptions): Observable<RecordBatch<string>> {
  const { path, gate, chunkBytes = 1 << 20 } = options;
  return new Observable<RecordBatch<string>>((subscriber) => {
    const stream: Readable =
      path === '-' ? process.stdin : createReadStream(path, { highWaterMark: chunkBytes });
    stream.setEncoding('utf8');
    let stopped = false;
    (async () => {
      let carry = '';
      let lineNumber = 0;
      const emit = (text: string, last: boolean) => {
        const parts = text.split('\n');
        carry = last ? '' : parts.pop()!;
        const records: string[] = [];
        const positions: number[] = [];
        for (let line of parts) {
          lineNumber++;
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (line.length === 0) continue;
          records.push(line);
          positions.push(lineNumber);
        }
        if (records.length > 0) subscriber.next({ partition: 0, records, positions });
      };
      for await (const chunk of stream) {
        if (stopped) return;
        emit(carry + (chunk as string), false);
        if (gate !== undefined && !gate.isOpen) await gate.whenOpen();
      }
      if (carry.length > 0) emit(carry, true);
      subscriber.complete();
    })().catch((error: unknown) => {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      subscriber.error(
        new ClickflowError(`cannot read ${path === '-' ? 'stdin' : path} (${reason}); check that the file exists and is readable`, {
          cause: error,
        }),
      );
    });
    return () => {
      stopped = true;
      if (stream !== process.stdin) stream.destroy();
    };
  });
}
