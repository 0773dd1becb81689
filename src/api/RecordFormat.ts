import type { OperatorFunction } from '../rxjs.js';
import type { InvalidRecord } from '../events/InvalidRecord.js';
import type { RecordBatch } from '../operators/RecordBatch.js';

/**
 * How a job reads the raw records of its source (JSON text or bytes) into typed records with
 * event times: Flink's deserialisation schema and timestamp assigner in one. Records it
 * refuses go to `onInvalid`, which the runtime wires to the dead-letter output.
 */
export interface RecordFormat<T> {
  /** What the format reads, for messages: `JSON click events`. */
  readonly description: string;
  /** Emits one batch per input batch, carrying `timestampsMs` and `raws` beside the records. */
  decode(onInvalid: (record: InvalidRecord) => void): OperatorFunction<RecordBatch<string | Uint8Array>, RecordBatch<T>>;
}
