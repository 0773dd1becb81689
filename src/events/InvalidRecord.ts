/** Why a record was refused. Stable strings: they are metric labels and dead-letter fields. */
export type InvalidReason =
  | 'not_json'
  | 'not_an_object'
  | 'missing_field'
  | 'wrong_type'
  | 'status_out_of_range'
  | 'bad_timestamp'
  /** A URL the job cannot store as an InfluxDB tag value (ends in a backslash, or too long). */
  | 'bad_url'
  /** Bytes that are not valid UTF-8; kept as they are, never decoded with replacement characters. */
  | 'bad_encoding'
  /** A line longer than the file source reads whole (`maxLineBytes`); only its start is kept. */
  | 'too_long';

export const INVALID_REASONS: readonly InvalidReason[] = [
  'not_json',
  'not_an_object',
  'missing_field',
  'wrong_type',
  'status_out_of_range',
  'bad_timestamp',
  'bad_url',
  'bad_encoding',
  'too_long',
];

/**
 * A record that failed validation, kept whole so that nothing is lost: it goes to the
 * dead-letter output with its reason and where it came from.
 */
export interface InvalidRecord {
  /**
   * The original bytes or line, untouched: bytes that are not valid UTF-8 stay bytes. For
   * `too_long`, the first `maxLineBytes` bytes of the line.
   */
  readonly raw: string | Uint8Array;
  /** A built-in {@link InvalidReason}, or one a job's own validator gave. */
  readonly reason: InvalidReason | (string & {});
  /** What exactly is wrong, for a human: `http_status is 700, expected 100–599`. */
  readonly detail: string;
  readonly partition: number;
  /** Kafka offset or 1-based line number of the record in its source. */
  readonly position: number;
}
