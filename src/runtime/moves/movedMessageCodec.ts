import { MovedRecordError } from './MovedRecordError.js';
import type { MovedMessage } from './MoveTransport.js';
import { MovedValueFormatError, MovedValueReader, MovedValueWriter } from './movedValueCodec.js';

/**
 * First byte of every Kafka message of an internal topic: the packing format. A message in any
 * other (an older clickflow's JSON lines start with `{`) is named as such, never misread.
 */
const FORMAT = 0x03;
/** The format before records were binary (see `movedValueCodec`): records as JSON text. Still read, so that a job upgraded mid-run goes on. */
const JSON_FORMAT = 0x02;
const RECORD = 0;
const WATERMARK = 1;
const IDLE_WATERMARK = 2;
/** A record only JSON could write exactly (see `movedValueCodec`). */
const JSON_RECORD = 3;
/** kind, writer (u16), id, time and watermark (f64 each), record length (u32). */
const RECORD_HEADER_BYTES = 1 + 2 + 8 + 8 + 8 + 4;
/** kind, writer (u16), watermark (f64). */
const WATERMARK_BYTES = 1 + 2 + 8;
const MAX_WRITER = 0xffff;

/**
 * Packs moved messages, in order, into the values of Kafka messages: each record's fields
 * written straight into the message being built, so that what waits to be sent is bytes, not
 * objects the garbage collector must trace. Numbers travel as binary doubles: writing and
 * reading 13-digit times as text cost more than the rest of a record, and infinite watermarks
 * (none yet, or the end of a bounded input) need no special form.
 */
export class MovedMessagePacker {
  private readonly writer = new MovedValueWriter();
  private messages = 0;

  /** @param packBytes the size a Kafka message is sealed at: the buffer is kept up to a few times that */
  constructor(private readonly packBytes: number) {
    this.start();
  }

  /** Bytes of moved messages in the Kafka message being built. */
  get bytes(): number {
    return this.writer.offset - 1;
  }

  /** Moved messages in the Kafka message being built. */
  get count(): number {
    return this.messages;
  }

  /**
   * Appends a message; returns the bytes it took.
   * @throws MovedRecordError (nothing appended) for a record JSON cannot hold either: the job stops there, with the step that sent it
   */
  append(message: MovedMessage): number {
    if (!(message.writer >= 0 && message.writer <= MAX_WRITER)) throw new RangeError(`writer ${message.writer} is not a partition number a move can carry`);
    const writer = this.writer;
    const start = writer.offset;
    if (message.kind === 'watermark') {
      writer.ensure(WATERMARK_BYTES);
      writer.buffer[start] = message.idle === true ? IDLE_WATERMARK : WATERMARK;
      writer.view.setUint16(start + 1, message.writer, true);
      writer.view.setFloat64(start + 3, message.watermarkMs, true);
      writer.offset += WATERMARK_BYTES;
    } else {
      writer.ensure(RECORD_HEADER_BYTES);
      writer.offset += RECORD_HEADER_BYTES;
      let kind = RECORD;
      if (!writer.tryWrite(message.record)) {
        kind = JSON_RECORD;
        let json: string | undefined;
        try {
          json = JSON.stringify(message.record);
        } catch (error) {
          writer.offset = start;
          throw new MovedRecordError((error as Error).message);
        }
        writer.writeString(json ?? 'null');
      }
      // The header goes last: writing the record may have moved the buffer.
      const view = writer.view;
      writer.buffer[start] = kind;
      view.setUint16(start + 1, message.writer, true);
      view.setFloat64(start + 3, message.id, true);
      view.setFloat64(start + 11, message.timeMs, true);
      view.setFloat64(start + 19, message.watermarkMs, true);
      view.setUint32(start + 27, writer.offset - start - RECORD_HEADER_BYTES, true);
    }
    this.messages++;
    return writer.offset - start;
  }

  /** The Kafka message built so far, as its own buffer, or `undefined` when it holds nothing; the next one starts. */
  take(): Buffer | undefined {
    if (this.messages === 0) return undefined;
    const value = Buffer.from(this.writer.buffer.subarray(0, this.writer.offset));
    this.start();
    return value;
  }

  private start(): void {
    // One huge record grew the buffer: it need not stay that large for the records after it.
    if (this.writer.buffer.length > 4 * this.packBytes) this.writer.releaseBuffer();
    this.writer.offset = 0;
    this.writer.ensure(1);
    this.writer.buffer[0] = FORMAT;
    this.writer.offset = 1;
    this.writer.newMessage();
    this.messages = 0;
  }
}

/** Messages as the value of one Kafka message, in order. */
export function packMovedMessages(messages: readonly MovedMessage[]): Buffer {
  const packer = new MovedMessagePacker(4096);
  for (const message of messages) packer.append(message);
  return packer.take() ?? Buffer.from([FORMAT]);
}

/** @returns the messages of one Kafka message, in order, or why it holds none clickflow wrote */
export function unpackMovedMessages(value: Uint8Array | string): MovedMessage[] | string {
  if (typeof value === 'string' || value.length === 0 || (value[0] !== FORMAT && value[0] !== JSON_FORMAT)) {
    return typeof value !== 'string' && value[0] === 0x7b ? 'JSON lines, as an earlier clickflow wrote them: start the job with a new --group' : 'not in the format clickflow writes';
  }
  const buffer = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const binary = buffer[0] === FORMAT;
  const reader = new MovedValueReader(buffer);
  const view = reader.view;
  const messages: MovedMessage[] = [];
  let offset = 1;
  while (offset < buffer.length) {
    const kind = buffer[offset]!;
    const left = buffer.length - offset;
    if (kind === WATERMARK || kind === IDLE_WATERMARK) {
      if (left < WATERMARK_BYTES) return `a watermark cut short at byte ${offset}`;
      const writer = view.getUint16(offset + 1, true);
      const watermarkMs = view.getFloat64(offset + 3, true);
      messages.push(kind === IDLE_WATERMARK ? { kind: 'watermark', writer, watermarkMs, idle: true } : { kind: 'watermark', writer, watermarkMs });
      offset += WATERMARK_BYTES;
    } else if (kind === RECORD || (binary && kind === JSON_RECORD)) {
      if (left < RECORD_HEADER_BYTES) return `a record cut short at byte ${offset}`;
      const length = view.getUint32(offset + 27, true);
      const start = offset + RECORD_HEADER_BYTES;
      const end = start + length;
      if (end > buffer.length) return `a record cut short at byte ${offset}`;
      let record: unknown;
      if (binary && kind === RECORD) {
        reader.offset = start;
        try {
          record = reader.read(end);
        } catch (error) {
          if (!(error instanceof MovedValueFormatError)) throw error;
          return `a record at byte ${offset} that ${error.message}`;
        }
        if (reader.offset !== end) return `a record at byte ${offset} that ends before its length`;
      } else {
        // A JSON record: in the earlier format every record, in this one those only JSON could write.
        const jsonStart = binary ? start + 4 : start;
        if (binary && (length < 4 || view.getUint32(start, true) !== length - 4)) return `a record at byte ${offset} whose JSON length does not match`;
        try {
          record = JSON.parse(buffer.toString('utf8', jsonStart, end));
        } catch {
          return `a record at byte ${offset} that is not JSON`;
        }
      }
      messages.push({
        kind: 'record',
        writer: view.getUint16(offset + 1, true),
        id: view.getFloat64(offset + 3, true),
        timeMs: view.getFloat64(offset + 11, true),
        watermarkMs: view.getFloat64(offset + 19, true),
        record,
      });
      offset = end;
    } else {
      return `an unknown kind ${kind} at byte ${offset}`;
    }
  }
  return messages;
}
