import { FileDeadLetterSink } from '../connectors/file/FileDeadLetterSink.js';
import { OutputWriteError } from '../connectors/file/OutputWriteError.js';
import type { DeadLetterSink } from '../runtime/DeadLetterSink.js';
import type { LineSink } from '../runtime/LineSink.js';

/** What the sinks of a run have in common: `write` takes lines (LineSink) or invalid records (DeadLetterSink). */
interface Output<T> {
  write(value: T): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Rejects as soon as the output fails, where the sink offers it. */
  readonly failed?: Promise<never>;
}

/**
 * The outputs of one run, each wrapped so that its errors name the option that configured it
 * (`--dead-letter: cannot write /dev/full (ENOSPC: …)`), and watched: `failure` aborts, with the
 * output's error as its reason, as soon as any of them fails. The run stops on that signal
 * instead of finding out at its next write or flush, which for a rarely used output such as
 * the dead letters may be the end of the run.
 */
export class RunOutputs {
  private readonly controller = new AbortController();
  /** Aborted by the first output that fails; `reason` is its error, named by its option. */
  readonly failure: AbortSignal = this.controller.signal;
  private readonly all: Output<never>[] = [];

  /** `sink`, named by `option` and watched. */
  lines(sink: LineSink, option: string): LineSink {
    return this.watch(sink, option);
  }

  /** `sink`, named by `option` and watched. */
  deadLetters(sink: DeadLetterSink, option: string): DeadLetterSink {
    return this.watch(sink, option);
  }

  /** Closes every output, for a run that ends before its job started; errors are dropped. */
  async closeAll(): Promise<void> {
    await Promise.allSettled(this.all.map((output) => output.close()));
  }

  private watch<T>(output: Output<T>, option: string): Output<T> {
    const named = (error: unknown) => (error instanceof OutputWriteError ? error.withOption(option) : error);
    let rejectFailed!: (error: unknown) => void;
    const failed = new Promise<never>((_, reject) => {
      rejectFailed = reject;
    });
    failed.catch(() => undefined);
    const fail = (error: unknown) => {
      const failure = named(error);
      rejectFailed(failure);
      if (!this.controller.signal.aborted) this.controller.abort(failure);
    };
    output.failed?.catch(fail);
    // FileDeadLetterSink keeps its file's failure to itself until its next write or flush.
    // A flush after a write (one at a time; it only waits for the file's write callbacks)
    // brings the failure out as soon as the file reports it.
    const probe = output instanceof FileDeadLetterSink && output.failed === undefined;
    let probing = false;
    const wrapped: Output<T> = {
      failed,
      write(value) {
        try {
          output.write(value);
        } catch (error) {
          throw named(error);
        }
        if (probe && !probing) {
          probing = true;
          output.flush().then(() => {
            probing = false;
          }, fail);
        }
      },
      flush: () => output.flush().catch((error: unknown) => Promise.reject(named(error))),
      close: () => output.close().catch((error: unknown) => Promise.reject(named(error))),
    };
    this.all.push(wrapped as Output<never>);
    return wrapped;
  }
}
