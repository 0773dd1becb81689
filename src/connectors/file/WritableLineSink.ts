import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DEFAULTS } from '../../config/defaults.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
import type { LineSink } from '../../runtime/LineSink.js';
import { OutputFileLock } from './OutputFileLock.js';
import { OutputWriteError } from './OutputWriteError.js';

/** A file target of {@link WritableLineSink}. */
export interface WritableLineSinkFile {
  /** Created, or truncated when it exists, as soon as the sink is constructed. */
  readonly path: string;
  /** The option that named this output (`--to`, `--late-output`), for error messages. */
  readonly option?: string;
  /**
   * Continue the file from this length instead of truncating it: the length it had at the
   * source's last commit ({@link truncateForResume} has cut it back to it).
   */
  readonly resumeAtBytes?: number;
  /** Released once the file is closed (see `openOutputFile`). */
  readonly lock?: OutputFileLock;
  /** Bytes buffered before the backpressure gate closes. Default `DEFAULTS.file.outputBufferBytes`. */
  readonly bufferBytes?: number;
}

/** The key under which a commit records a file's length: `file:` and its absolute path. */
export function fileResumeKey(path: string): string {
  return `file:${resolve(path)}`;
}

/**
 * Writes text lines to stdout or a file, one `write` per batch, closing the backpressure
 * gate while the stream's buffer is full.
 *
 * A failure to open or write (a missing directory, a full disk, a closed pipe) becomes an
 * {@link OutputWriteError} that names the path and what to do: `failed` rejects with it as soon
 * as the stream reports it, and every later `write`, `flush` and `close` throws it.
 *
 * @example
 * const sink = new WritableLineSink({ path: 'out.lp', option: '--to' });
 * sink.failed.catch(stopTheJob);
 * sink.write(['m v=1i 0']);
 * await sink.close();
 */
export class WritableLineSink implements LineSink {
  /** Rejects with the first failure of the file or pipe; never resolves. */
  readonly failed: Promise<never>;
  /** Resolves once the file is open (at once for stdout); rejects like `failed` if it cannot be. */
  readonly opened: Promise<void>;
  private readonly stream: Writable;
  private readonly ownsStream: boolean;
  private readonly path: string;
  private readonly option: string | undefined;
  /** Set for a file: commits record its length under it, and it resumes from that length. */
  readonly resumeKey: string | undefined;
  /** Bytes handed to the file, counting from its start (a resumed file's length included). */
  bytesWritten = 0;
  private failure: OutputWriteError | undefined;
  private rejectFailed!: (error: OutputWriteError) => void;
  /** Writes handed to the stream whose callback has not come yet; `flush` waits for zero. */
  private pendingWrites = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly lock: OutputFileLock | undefined;

  /** @param target `stdout`, or a file (created, or truncated if it exists) */
  constructor(target: 'stdout' | WritableLineSinkFile, private readonly gate?: BackpressureGate) {
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    // Nobody has to listen: write, flush and close throw the same failure.
    this.failed.catch(() => undefined);
    if (target === 'stdout') {
      this.stream = process.stdout;
      this.ownsStream = false;
      this.path = 'stdout';
      this.option = undefined;
      this.resumeKey = undefined;
      this.lock = OutputFileLock.acquireStdout('stdout');
      this.opened = Promise.resolve();
    } else {
      this.stream = createWriteStream(target.path, {
        flags: target.resumeAtBytes === undefined ? 'w' : 'a',
        // Past this, write() says the buffer is full and the gate closes.
        highWaterMark: target.bufferBytes ?? DEFAULTS.file.outputBufferBytes,
      });
      this.ownsStream = true;
      this.path = target.path;
      this.option = target.option;
      this.resumeKey = fileResumeKey(target.path);
      this.lock = target.lock;
      this.bytesWritten = target.resumeAtBytes ?? 0;
      this.opened = new Promise<void>((resolve, reject) => {
        this.stream.once('ready', () => resolve());
        this.failed.catch(reject);
      });
      this.opened.catch(() => undefined);
    }
    this.stream.on('drain', () => this.gate?.open());
    // Remembered and rethrown by the next call, so that a full disk or a closed pipe stops
    // the job with its reason instead of crashing the process from an event handler.
    this.stream.on('error', (error) => this.fail(error));
  }

  write(lines: readonly string[]): void {
    if (this.failure !== undefined) throw this.failure;
    if (lines.length === 0) return;
    this.pendingWrites++;
    // Encoded here rather than by the stream, to count the bytes that commits record.
    const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    this.bytesWritten += bytes.length;
    if (!this.stream.write(bytes, this.onWritten)) this.gate?.close();
  }

  /**
   * Resolves once everything written so far has been handed to the file or pipe: a commit
   * that follows never covers lines still in the stream's buffer.
   */
  async flush(): Promise<void> {
    if (this.failure === undefined && this.pendingWrites > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
      if (!this.ownsStream) return;
      this.stream.end();
      try {
        await once(this.stream, 'finish');
      } catch (error) {
        this.fail(error as Error);
        throw this.failure;
      }
    } finally {
      this.lock?.release();
    }
  }

  private readonly onWritten = (error?: Error | null): void => {
    this.pendingWrites--;
    // The write's own error comes before the stream's 'error' event: the first is the cause.
    if (error != null) this.fail(error);
    if (this.pendingWrites === 0 || this.failure !== undefined) this.wakeFlushes();
  };

  private fail(error: Error): void {
    if (this.failure === undefined) {
      this.failure = error instanceof OutputWriteError ? error : new OutputWriteError(this.path, error, this.option);
      this.rejectFailed(this.failure);
    }
    // A source waiting for the buffer to drain must wake up and see the failure.
    this.gate?.open();
    this.wakeFlushes();
  }

  private wakeFlushes(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
