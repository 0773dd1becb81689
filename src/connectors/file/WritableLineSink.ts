import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';

/**
 * Writes text lines to stdout or a file, one `write` per batch, closing the backpressure
 * gate while the stream's buffer is full.
 */
export class WritableLineSink {
  private readonly stream: Writable;
  private readonly ownsStream: boolean;
  private failure: Error | undefined;

  /** @param target `stdout`, or a file path (created or truncated) */
  constructor(target: 'stdout' | { path: string }, private readonly gate?: BackpressureGate) {
    if (target === 'stdout') {
      this.stream = process.stdout;
      this.ownsStream = false;
    } else {
      this.stream = createWriteStream(target.path);
      this.ownsStream = true;
    }
    this.stream.on('drain', () => this.gate?.open());
    // Remembered and rethrown by the next call, so that a full disk or a closed pipe stops
    // the job with its reason instead of crashing the process from an event handler.
    this.stream.on('error', (error) => {
      this.failure = error;
      this.gate?.open();
    });
  }

  write(lines: readonly string[]): void {
    if (this.failure !== undefined) throw this.failure;
    if (lines.length === 0) return;
    if (!this.stream.write(`${lines.join('\n')}\n`)) this.gate?.close();
  }

  /**
   * Resolves once everything written so far has been handed to the file or pipe: a commit
   * that follows never covers lines still in the stream's buffer.
   */
  async flush(): Promise<void> {
    if (this.failure === undefined && this.stream.writableLength > 0) {
      // Writes complete in order, so an empty write's callback means every earlier one is done.
      await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.ownsStream) {
      this.stream.end();
      await once(this.stream, 'finish');
    }
  }
}
