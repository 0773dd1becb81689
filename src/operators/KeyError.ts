import { ClickflowError } from '../errors/ClickflowError.js';

/** A `keyBy` function returned a key that cannot be compared by value. A bug in the job: not retried. */
export class KeyError extends ClickflowError {
  override readonly name = 'KeyError';

  constructor(what: string) {
    super(
      `keyBy returned ${what}, which has no value to compare keys by; return a string, a number, a boolean, ` +
        'or an array or plain object of those (e.g. [e.url, e.http_status]), which are compared by value',
    );
  }
}
