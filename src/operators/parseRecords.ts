import { map, type OperatorFunction } from 'rxjs';
import type { InvalidRecord } from '../events/InvalidRecord.js';
import type { ValidationFailure } from '../events/validateClickEvent.js';
import type { RecordBatch } from './RecordBatch.js';

/** Options of {@link parseRecords}. */
export interface ParseRecordsOptions {
  /**
   * Checks a parsed value and, when valid, completes it in place (e.g. sets its event time).
   * Returns `null` for a valid record, or why it is not.
   */
  readonly validate: (value: unknown) => ValidationFailure | null;
  /** Dead-letter output: receives every refused record, with its reason and position. */
  readonly onInvalid: (record: InvalidRecord) => void;
}

const decoder = new TextDecoder();

/**
 * Parses JSON records (strings or UTF-8 bytes) and keeps the valid ones.
 *
 * Emits one batch per input batch, with the valid records in order and their positions;
 * every invalid record (not JSON, or refused by `validate`) goes to `onInvalid` instead and
 * is never counted in a window. An input batch whose records are all invalid emits an empty
 * batch, so that downstream still sees the partition's progress.
 *
 * @example
 * lines$.pipe(parseRecords<ClickEvent>({ validate: validateClickEvent, onInvalid: dlq.write }))
 */
export function parseRecords<T>(
  options: ParseRecordsOptions,
): OperatorFunction<RecordBatch<string | Uint8Array>, RecordBatch<T>> {
  const { validate, onInvalid } = options;
  return map((batch) => {
    const { partition, records: raws, positions: rawPositions } = batch;
    const records: T[] = [];
    const positions: number[] = [];
    for (let i = 0; i < raws.length; i++) {
      const raw = raws[i]!;
      const position = rawPositions === undefined ? i : rawPositions[i]!;
      let value: unknown;
      try {
        value = JSON.parse(typeof raw === 'string' ? raw : decoder.decode(raw));
      } catch (error) {
        onInvalid({
          raw,
          reason: 'not_json',
          detail: (error as Error).message,
          partition,
          position,
        });
        continue;
      }
      const failure = validate(value);
      if (failure !== null) {
        onInvalid({ raw, reason: failure.reason, detail: failure.detail, partition, position });
        continue;
      }
      records.push(value as T);
      positions.push(position);
    }
    return { partition, records, positions };
  });
}
