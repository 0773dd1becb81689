import type { ValidationFailure } from '../events/validateClickEvent.js';
import { parseRecords } from '../operators/parseRecords.js';
import type { RecordFormat } from './RecordFormat.js';

/** Checks a parsed value: `null` when valid, else why not. It may complete the value in place. */
export type Validator = (value: unknown) => ValidationFailure | null;

/** Options of {@link json}. */
export interface JsonFormatOptions<T> {
  /**
   * Checks each parsed value, in order; the first failure dead-letters the record with its
   * reason. A validator that throws is a bug in the job: the job stops with its stack.
   */
  readonly validate?: Validator | readonly Validator[];
  /** The event time of a valid record, in epoch milliseconds. */
  readonly eventTime: (record: T) => number;
  /** Describes the records in messages; default `JSON records`. */
  readonly description?: string;
}

/**
 * JSON records, one per Kafka message or line. Text that is not JSON is dead-lettered as
 * `not_json`, a value a validator refuses with the validator's reason.
 *
 * @example json<Order>({ validate: (v) => isOrder(v) ? null : { reason: 'not_an_order', detail: '…' }, eventTime: (o) => o.placedAtMs })
 */
export function json<T>(options: JsonFormatOptions<T>): RecordFormat<T> {
  const validators = options.validate === undefined ? [] : Array.isArray(options.validate) ? [...options.validate] : [options.validate as Validator];
  const validate: Validator =
    validators.length === 1
      ? validators[0]!
      : (value) => {
          for (const check of validators) {
            const failure = check(value);
            if (failure !== null) return failure;
          }
          return null;
        };
  return {
    description: options.description ?? 'JSON records',
    decode: (onInvalid) => parseRecords<T>({ validate, onInvalid, eventTimeOf: options.eventTime }),
  };
}
