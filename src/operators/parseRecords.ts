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
  /**
   * The event time of a valid record, in epoch ms. When given, each output batch carries
   * `timestampsMs` and the original `raws` of its records, so that later stages may change
   * the records and side outputs still write what was read.
   */
  readonly eventTimeOf?: (record: never) => number;
}

const decoder = new TextDecoder();

/** UTF-8 text of a record; Node's Buffers (what kafkajs gives) decode faster than TextDecoder. */
function textOf(raw: string | Uint8Array): string {
  if (typeof raw === 'string') return raw;
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : decoder.decode(raw);
}

/**
 * Parses JSON records (strings or UTF-8 bytes) and keeps the valid ones.
 *
 * Emits one batch per input batch, with the valid records in order and their positions;
 * every invalid record (not JSON, or refused by `validate`) goes to `onInvalid` instead and
 * is never counted in a window. An input batch whose records are all invalid emits an empty
 * batch, so that downstream still sees the partition's progress. Records replayed after a
 * restore (before the checkpoint's `replayUntil`) were routed before and are not routed again.
 *
 * @example
 * lines$.pipe(parseRecords<ClickEvent>({ validate: validateClickEvent, onInvalid: dlq.write }))
 */
export function parseRecords<T>(
  options: ParseRecordsOptions,
): OperatorFunction<RecordBatch<string | Uint8Array>, RecordBatch<T>> {
  const { validate, onInvalid } = options;
  const eventTimeOf = options.eventTimeOf as ((record: T) => number) | undefined;
  return (source) => {
    const replayUntil = new Map<number, number>();
    /** Where positions continue for sources that give none (0, 1, 2, … per partition). */
    const implicitPositions = new Map<number, number>();
    return source.pipe(
      map((batch) => {
        const { partition, records: raws, positions: rawPositions } = batch;
        if (batch.restore !== undefined) replayUntil.set(partition, batch.restore?.replayUntil ?? -Infinity);
        const replayedBefore = replayUntil.get(partition) ?? -Infinity;
        const firstImplicit = implicitPositions.get(partition) ?? 0;
        if (rawPositions === undefined) implicitPositions.set(partition, firstImplicit + raws.length);
        const records: T[] = [];
        const positions: number[] = [];
        const timestampsMs: number[] | undefined = eventTimeOf === undefined ? undefined : [];
        const kept: (string | Uint8Array)[] | undefined = eventTimeOf === undefined ? undefined : [];
        let endPosition = batch.endPosition;
        for (let i = 0; i < raws.length; i++) {
          const raw = raws[i]!;
          const position = rawPositions === undefined ? firstImplicit + i : rawPositions[i]!;
          endPosition = position + 1;
          let value: unknown;
          let failure: ValidationFailure | null;
          try {
            value = JSON.parse(textOf(raw));
            failure = validate(value);
          } catch (error) {
            failure = { reason: 'not_json', detail: (error as Error).message };
          }
          if (failure === null) {
            records.push(value as T);
            positions.push(position);
            if (timestampsMs !== undefined) {
              timestampsMs.push(eventTimeOf!(value as T));
              kept!.push(raw);
            }
          } else if (position >= replayedBefore) {
            onInvalid({ raw, reason: failure.reason, detail: failure.detail, partition, position });
          }
        }
        const out: RecordBatch<T> = { ...batch, records, positions };
        if (timestampsMs !== undefined) Object.assign(out, { timestampsMs, raws: kept });
        return endPosition === undefined ? out : { ...out, endPosition };
      }),
    );
  };
}
