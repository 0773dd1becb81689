import { MovedRecordError } from './MovedRecordError.js';
import type { MovedMessage } from './MoveTransport.js';

/**
 * First byte of every Kafka message of an internal topic: the packing format. A message in any
 * other (an older clickflow's JSON lines start with `{`) is named as such, never misread.
 */
const FORMAT = 0x02;
const RECORD = 0;
const WATERMARK = 1;
const IDLE_WATERMARK = 2;
/** kind, writer (u16), id, time and watermark (f64 each), record length (u32). */
const RECORD_HEADER_BYTES = 1 + 2 + 8 + 8 + 8 + 4;
/** kind, writer (u16), watermark (f64). */
const WATERMARK_BYTES = 1 + 2 + 8;
const MAX_WRITER = 0xffff;

/** A moved message ready to pack: its record written as JSON already, and its size packed. */
export interface EncodedMovedMessage {
  readonly message: MovedMessage;
  /** The record as JSON text; `undefined` for a watermark. */
  readonly json: string | undefined;
  /** Bytes it takes in a packed Kafka message. */
  readonly bytes: number;
}

/**
 * Writes a message's record as JSON, when the job sends it: a record JSON cannot hold stops the
 * job there, with the step that sent it. Numbers travel as binary doubles: writing and reading
 * 13-digit times as text cost more than the record's own JSON, and infinite watermarks (none
 * yet, or the end of a bounded input) need no special form.
 */
export function encodeMovedMessage(message: MovedMessage): EncodedMovedMessage {
  if (!(message.writer >= 0 && message.writer <= MAX_WRITER)) throw new RangeError(`writer ${message.writer} is not a partition number a move can carry`);
  if (message.kind === 'watermark') return { message, json: undefined, bytes: WATERMARK_BYTES };
  let json: string | undefined;
  try {
    json = JSON.stringify(message.record);
  } catch (error) {
    throw new MovedRecordError((error as Error).message);
  }
  json ??= 'null';
  return { message, json, bytes: RECORD_HEADER_BYTES + Buffer.byteLength(json) };
}

/** Messages as the value of one Kafka message, in order. */
export function packMovedMessages(encoded: readonly EncodedMovedMessage[]): Buffer {
  let size = 1;
  for (const one of encoded) size += one.bytes;
  const buffer = Buffer.allocUnsafe(size);
  buffer[0] = FORMAT;
  let offset = 1;
  for (const { message, json, bytes } of encoded) {
    if (message.kind === 'watermark') {
      buffer[offset] = message.idle === true ? IDLE_WATERMARK : WATERMARK;
      buffer.writeUInt16LE(message.writer, offset + 1);
      buffer.writeDoubleLE(message.watermarkMs, offset + 3);
    } else {
      buffer[offset] = RECORD;
      buffer.writeUInt16LE(message.writer, offset + 1);
      buffer.writeDoubleLE(message.id, offset + 3);
      buffer.writeDoubleLE(message.timeMs, offset + 11);
      buffer.writeDoubleLE(message.watermarkMs, offset + 19);
      buffer.writeUInt32LE(bytes - RECORD_HEADER_BYTES, offset + 27);
      buffer.write(json!, offset + RECORD_HEADER_BYTES, 'utf8');
    }
    offset += bytes;
  }
  return buffer;
}

/** @returns the messages of one Kafka message, in order, or why it holds none clickflow wrote */
export function unpackMovedMessages(value: Uint8Array | string): MovedMessage[] | string {
  if (typeof value === 'string' || value.length === 0 || value[0] !== FORMAT) {
    return typeof value !== 'string' && value[0] === 0x7b ? 'JSON lines, as an earlier clickflow wrote them: start the job with a new --group' : 'not in the format clickflow writes';
  }
  const buffer = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const messages: MovedMessage[] = [];
  let offset = 1;
  while (offset < buffer.length) {
    const kind = buffer[offset]!;
    const left = buffer.length - offset;
    if (kind === WATERMARK || kind === IDLE_WATERMARK) {
      if (left < WATERMARK_BYTES) return `a watermark cut short at byte ${offset}`;
      const writer = buffer.readUInt16LE(offset + 1);
      const watermarkMs = buffer.readDoubleLE(offset + 3);
      messages.push(kind === IDLE_WATERMARK ? { kind: 'watermark', writer, watermarkMs, idle: true } : { kind: 'watermark', writer, watermarkMs });
      offset += WATERMARK_BYTES;
    } else if (kind === RECORD) {
      if (left < RECORD_HEADER_BYTES) return `a record cut short at byte ${offset}`;
      const length = buffer.readUInt32LE(offset + 27);
      const start = offset + RECORD_HEADER_BYTES;
      if (start + length > buffer.length) return `a record cut short at byte ${offset}`;
      let record: unknown;
      try {
        record = JSON.parse(buffer.toString('utf8', start, start + length));
      } catch {
        return `a record at byte ${offset} that is not JSON`;
      }
      messages.push({
        kind: 'record',
        writer: buffer.readUInt16LE(offset + 1),
        id: buffer.readDoubleLE(offset + 3),
        timeMs: buffer.readDoubleLE(offset + 11),
        watermarkMs: buffer.readDoubleLE(offset + 19),
        record,
      });
      offset = start + length;
    } else {
      return `an unknown kind ${kind} at byte ${offset}`;
    }
  }
  return messages;
}
