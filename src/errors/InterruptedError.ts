import { ClickflowError } from './ClickflowError.js';

/** Exit codes of a process ended by a signal, as a shell reports them: 128 + the signal's number. */
const EXIT_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** A command given up because SIGINT or SIGTERM came first; it exits as the signal would have. */
export class InterruptedError extends ClickflowError {
  override readonly name = 'InterruptedError';
  readonly exitCode: number;

  constructor(
    readonly signal: string,
    message: string,
  ) {
    super(message);
    this.exitCode = EXIT_CODES[signal] ?? 1;
  }
}
