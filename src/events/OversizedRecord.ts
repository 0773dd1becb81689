/**
 * The start of a record too long to read whole: a source hands it on in place of the record
 * so that it is dead-lettered as `too_long` (with these bytes as its raw record) instead of
 * exhausting memory or failing the job. A `Uint8Array`, so it travels wherever raw bytes do.
 *
 * @example
 * new OversizedRecord(firstBytes, 5_000_000_000) // a 5 GB line, its first bytes kept
 */
export class OversizedRecord extends Uint8Array {
  // slice(), map() and subarray() give plain bytes, not a record that claims to be cut short.
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  /** @param head the record's first bytes (copied) @param totalBytes the whole record's length */
  constructor(
    head: Uint8Array,
    readonly totalBytes: number,
  ) {
    super(head);
  }
}
