import { isUtf8 } from 'node:buffer';
import { map, type OperatorFunction } from '../rxjs.js';
import type { InvalidRecord } from '../events/InvalidRecord.js';
import { OversizedRecord } from '../events/OversizedRecord.js';
import type { ValidationFailure } from '../events/validateClickEvent.js';
import { markReplays } from './markReplays.js';
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

const BYTE_ORDER_MARK = 0xfeff;

/**
 * UTF-8 text of a record, or `undefined` when its bytes cannot be read as text: not UTF-8,
 * or only the start of a record too long to read ({@link bytesFailure} says which).
 */
function textOf(raw: Uint8Array): string | undefined {
  if (raw instanceof OversizedRecord) return undefined;
  // Node's Buffers (what kafkajs gives) decode faster than TextDecoder; a view, not a copy.
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const text = bytes.toString('utf8');
  // Decoding replaces every invalid sequence with U+FFFD, so different records would become
  // one. Only a text holding that character needs the strict check; searching an ASCII
  // (one-byte) string for it costs next to nothing.
  return text.indexOf('\uFFFD') === -1 || isUtf8(bytes) ? text : undefined;
}

/** Why {@link textOf} could not read `raw`. */
function bytesFailure(raw: Uint8Array): ValidationFailure {
  if (raw instanceof OversizedRecord) {
    return {
      reason: 'too_long',
      detail: `the record is ${raw.totalBytes} bytes long, more than the ${raw.length} a source reads whole; raw holds its first ${raw.length} bytes`,
    };
  }
  const offset = firstInvalidUtf8(raw);
  const where = offset === -1 ? '' : `: byte 0x${raw[offset]!.toString(16).padStart(2, '0')} at offset ${offset}`;
  return {
    reason: 'bad_encoding',
    detail: `not valid UTF-8${where} (was it written as Latin-1 or another encoding?); raw keeps the bytes as they were`,
  };
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead bytes 0xc0, 0xc1 and above 0xf4 could only start overlong or out-of-range forms.
    const length = b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (length === 0) return i;
    let codePoint = b & (0x7f >> length);
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (c & 0x3f);
    }
    const overlong = codePoint < (length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000);
    if (overlong || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += length;
  }
  return -1;
}

/**
 * Parses JSON records (strings or UTF-8 bytes) and keeps the valid ones.
 *
 * Emits one batch per input batch, with the valid records in order and their positions;
 * every invalid record (bytes that are not UTF-8, not JSON, or refused by `validate`) goes to
 * `onInvalid` instead, untouched, and is never counted in a window. A leading byte-order
 * mark is ignored. An exception thrown by `validate` is a bug, not bad input: it errors the
 * output with that exception. An input batch whose records are all invalid emits an empty
 * batch, so that downstream still sees the partition's progress. Records replayed after a
 * restore (below the batch's `replayedBefore`: see `markReplays`) were routed before and are
 * not routed again.
 * The positions of the records routed go with the batch as `invalidPositions`.
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
    /** Where positions continue for sources that give none (0, 1, 2, … per partition). */
    const implicitPositions = new Map<number, number>();
    return source.pipe(
      markReplays(),
      map((batch) => {
        const { partition, records: raws, positions: rawPositions } = batch;
        const replayedBefore = batch.replayedBefore ?? -Infinity;
        const firstImplicit = implicitPositions.get(partition) ?? 0;
        if (rawPositions === undefined) implicitPositions.set(partition, firstImplicit + raws.length);
        // Sized for the whole batch and cut to what was kept: grown by push, the four arrays
        // allocated about 2.6 times their final size (≈ 80 bytes an event over 4,096).
        const records: T[] = new Array<T>(raws.length);
        const positions: number[] = new Array<number>(raws.length);
        const timestampsMs: number[] | undefined = eventTimeOf === undefined ? undefined : new Array<number>(raws.length);
        const kept: (string | Uint8Array)[] | undefined = eventTimeOf === undefined ? undefined : new Array<string | Uint8Array>(raws.length);
        let valid = 0;
        // Allocated on the first invalid record only: most batches have none.
        let invalidPositions: number[] | undefined;
        let endPosition = batch.endPosition;
        for (let i = 0; i < raws.length; i++) {
          const raw = raws[i]!;
          const position = rawPositions === undefined ? firstImplicit + i : rawPositions[i]!;
          endPosition = position + 1;
          let value: unknown;
          let failure: ValidationFailure | null = null;
          const text = typeof raw === 'string' ? raw : textOf(raw);
          if (text === undefined) {
            failure = bytesFailure(raw as Uint8Array);
          } else {
            try {
              value = JSON.parse(text);
            } catch (error) {
              // A byte-order mark that some writers put before each message is not part of the JSON.
              if (text.charCodeAt(0) !== BYTE_ORDER_MARK) failure = { reason: 'not_json', detail: (error as Error).message };
              else {
                try {
                  value = JSON.parse(text.slice(1));
                } catch (afterMark) {
                  failure = { reason: 'not_json', detail: (afterMark as Error).message };
                }
              }
            }
            // Outside the try: a validator that throws has a bug, and the job stops with its error.
            if (failure === null) failure = validate(value);
          }
          if (failure === null) {
            records[valid] = value as T;
            positions[valid] = position;
            if (timestampsMs !== undefined) {
              timestampsMs[valid] = eventTimeOf!(value as T);
              kept![valid] = raw;
            }
            valid++;
          } else if (position >= replayedBefore) {
            onInvalid({ raw, reason: failure.reason, detail: failure.detail, partition, position });
            (invalidPositions ??= []).push(position);
          }
        }
        records.length = valid;
        positions.length = valid;
        if (timestampsMs !== undefined) {
          timestampsMs.length = valid;
          kept!.length = valid;
        }
        const out: RecordBatch<T> = { ...batch, records, positions };
        if (invalidPositions !== undefined) Object.assign(out, { invalidPositions });
        if (timestampsMs !== undefined) Object.assign(out, { timestampsMs, raws: kept });
        return endPosition === undefined ? out : { ...out, endPosition };
      }),
    );
  };
}
