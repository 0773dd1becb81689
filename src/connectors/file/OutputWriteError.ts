import { ClickflowError } from '../../errors/ClickflowError.js';
import { describeFileError } from './describeFileError.js';

/**
 * A file or stdout output failed to open or write. The message names the output (its option
 * when known, e.g. `--dead-letter`), the path, the cause and what to do.
 *
 * `code` is the errno code of the cause, so that callers can tell a closed pipe (`EPIPE`:
 * the reader of `clickflow … | head` stopped) from a real failure.
 */
export class OutputWriteError extends ClickflowError {
  override readonly name = 'OutputWriteError';
  readonly code: string | undefined;
  /** The message without the option: `cannot write PATH (CODE: …); what to do`. */
  readonly detail: string;

  constructor(
    /** `stdout` or the file path, as the user gave it. */
    readonly path: string,
    cause: unknown,
    /** The option that named the output, e.g. `--to`; undefined for library use. */
    readonly option?: string,
  ) {
    const { reason, fix } = describeFileError(cause, 'write', path);
    const detail = `cannot write ${path} (${reason}); ${fix}`;
    super(option === undefined ? detail : `${option}: ${detail}`, { cause });
    this.detail = detail;
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }

  /** The same failure, named by the option that configured the output. */
  withOption(option: string): OutputWriteError {
    return this.option === option ? this : new OutputWriteError(this.path, this.cause, option);
  }
}
