import { isUtf8 } from 'node:buffer';

/**
 * A record as it was read, for a JSON line of a side output (dead letters, late records):
 * `raw` holds its text, or, for bytes that are not UTF-8, `raw_base64` holds them exactly,
 * since JSON cannot hold them and decoding would alter them.
 */
export function rawRecordField(raw: string | Uint8Array): { raw: string } | { raw_base64: string } {
  if (typeof raw === 'string') return { raw };
  // A view, not a copy. Not TextDecoder: it would drop a leading byte-order mark.
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return isUtf8(bytes) ? { raw: bytes.toString('utf8') } : { raw_base64: bytes.toString('base64') };
}
