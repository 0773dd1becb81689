import { ClickflowError } from '../errors/ClickflowError.js';

/**
 * A request the collector refuses as a whole, with the HTTP status to answer: a malformed body
 * (400), too large a body or too many events (413). The message is the answer's text: it tells
 * the sender what to change and never repeats what the sender sent.
 */
export class RefusedRequestError extends ClickflowError {
  override readonly name = 'RefusedRequestError';

  constructor(
    readonly statusCode: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}
