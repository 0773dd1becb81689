import { ClickflowError } from '../../errors/ClickflowError.js';

/** A record that a move through Kafka cannot write: it is not a JSON value. */
export class MovedRecordError extends ClickflowError {
  override readonly name = 'MovedRecordError';

  constructor(detail: string) {
    super(
      `a record moved by key through Kafka cannot be written as JSON (${detail}): map it to JSON values before the keyBy ` +
        '(strings, finite numbers, booleans, null, arrays and plain objects; a BigInt as a string, a Map as an object)',
    );
  }
}
