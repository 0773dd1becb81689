import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * A faster stand-in for kafkajs's per-record decoder (`src/protocol/recordBatch/record/v0/decoder.js`
 * in kafkajs 2.2.4), which a fetch calls once per Kafka record. kafkajs computes each record's
 * offset and timestamp as `Long.fromValue(<batch's first, a decimal string>).add(delta).toString()`:
 * a decimal parse, a 64-bit add and a decimal print per record, and reads the timestamp's delta
 * as a `Long` one byte at a time. Together about a tenth of a job's CPU reading JSON events from
 * Kafka (a `--cpu-prof` of error-rates over 1M events: `Long` 9.5 %).
 *
 * This one gives every record the same object, members in the same order with the same values
 * (strings where kafkajs gives strings), but parses the batch's first offset and timestamp once
 * per batch and adds numbers, as long as every number stays an exact integer (below 2^53: an
 * offset or epoch-ms timestamp always is); anything else goes through kafkajs's own `Long` code,
 * as before. A differential test holds the two equal over generated record batches, edge values
 * included.
 */

/** kafkajs's `Decoder`, as much of it as a record needs. */
interface KafkaDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarLong(): KafkaLong;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(reader: (decoder: KafkaDecoder) => T): T[];
}

interface KafkaLong {
  add(other: KafkaLong | number | string): KafkaLong;
  toString(): string;
}

interface LongStatic {
  fromValue(value: KafkaLong | number | string): KafkaLong;
}

/** What kafkajs's record batch decoder passes each record. */
interface BatchContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly magicByte?: number;
  readonly isControlBatch?: boolean;
  readonly timestampType?: number;
  readonly maxTimestamp?: string;
}

type RecordDecoder = (decoder: KafkaDecoder, batchContext?: BatchContext) => Record<string, unknown>;

/** The kafkajs release whose record decoder this one stands in for; any other keeps its own. */
const LEAN_DECODER_KAFKAJS_VERSION = '2.2.4';
const RECORD_DECODER = 'src/protocol/recordBatch/record/v0/decoder.js';

/** Resolves files inside the installed kafkajs package. */
function kafkajsRoot(): { readonly dir: string; readonly version: string; readonly require: NodeJS.Require } {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('kafkajs/package.json');
  const { version } = require(packageJson) as { version: string };
  return { dir: dirname(packageJson), version, require };
}

/**
 * kafkajs's parts a record needs (its `Long`, header decoder and timestamp types), and the lean
 * decoder built on them.
 */
export function leanRecordDecoder(): RecordDecoder {
  const { dir, require } = kafkajsRoot();
  const Long = require(join(dir, 'src/utils/long.js')) as LongStatic;
  const decodeHeader = require(join(dir, 'src/protocol/recordBatch/header/v0/decoder.js')) as (decoder: KafkaDecoder) => { key: string; value: Buffer | null };
  const { LOG_APPEND_TIME } = require(join(dir, 'src/protocol/timestampTypes.js')) as { LOG_APPEND_TIME: number };

  // The batch last seen and its first offset and timestamp as numbers (NaN: not exact, use Long).
  // Records of one batch come one after another; a batch seen again only parses again.
  let lastContext: BatchContext | undefined;
  let firstOffset = NaN;
  let firstTimestamp = NaN;

  /** A zigzag varlong as a number when it fits in 49 bits (7 bytes); otherwise kafkajs's `Long`. */
  const readVarLong = (decoder: KafkaDecoder): number | KafkaLong => {
    const { buffer } = decoder;
    const start = decoder.offset;
    let offset = start;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      const byte = buffer[offset++]!;
      // Past the end `byte` is undefined, as it is for kafkajs: it reads as 0 and ends the number.
      result += (byte & 0x7f) * scale;
      if (!(byte >= 0x80)) {
        decoder.offset = offset;
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      scale *= 128;
    }
    decoder.offset = start;
    return decoder.readVarLong();
  };

  const exactSum = (base: number, delta: number | KafkaLong, baseText: string): string => {
    if (typeof delta === 'number') {
      const sum = base + delta;
      if (Number.isSafeInteger(sum)) return String(sum);
    }
    return Long.fromValue(baseText).add(delta).toString();
  };

  return function leanDecodeRecord(decoder, batchContext = {} as BatchContext) {
    if (batchContext !== lastContext) {
      lastContext = batchContext;
      firstOffset = exactInteger(batchContext.firstOffset);
      firstTimestamp = exactInteger(batchContext.firstTimestamp);
    }
    const { magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
    const attributes = decoder.readInt8();
    const timestampDelta = readVarLong(decoder);
    const timestamp =
      timestampType === LOG_APPEND_TIME && maxTimestamp ? maxTimestamp : exactSum(firstTimestamp, timestampDelta, batchContext.firstTimestamp);
    const offsetDelta = decoder.readVarInt();
    const offset = exactSum(firstOffset, offsetDelta, batchContext.firstOffset);
    const key = decoder.readVarIntBytes();
    const value = decoder.readVarIntBytes();
    const headerList = decoder.readVarIntArray(decodeHeader);
    // As kafkajs: a key sent more than once holds its values in an array, in order.
    // Read as kafkajs reads them (so an inherited name such as `toString` joins what it finds),
    // and each one defined as its object spread defines it: an own member, whatever
    // `Object.prototype` holds (`__proto__`, a setter, a read-only member). Few records carry headers.
    const headers: Record<string, unknown> = {};
    for (const { key: name, value: header } of headerList) {
      const before = headers[name];
      const merged = before === undefined ? header : Array.isArray(before) ? before.concat([header]) : [before, header];
      Object.defineProperty(headers, name, { value: merged, writable: true, enumerable: true, configurable: true });
    }
    return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext };
  };
}

/** `text` as a number when it is a decimal integer a double holds exactly, else NaN. */
function exactInteger(text: string | undefined): number {
  if (typeof text !== 'string' || !/^-?\d{1,16}$/.test(text)) return NaN;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : NaN;
}

let installed: boolean | undefined;

/**
 * Puts the lean decoder where kafkajs loads its record decoder from, before kafkajs first needs
 * it (on a process's first fetch). Does nothing for another kafkajs release, once kafkajs has
 * loaded its own (kafkajs then holds that function), or with `CLICKFLOW_KAFKAJS_DECODER=stock`
 * in the environment (kafkajs's own, for a comparison or a doubt).
 *
 * @returns whether fetches in this process use the lean decoder
 */
export function installLeanRecordDecoder(): boolean {
  if (installed !== undefined) return installed;
  const { dir, version, require } = kafkajsRoot();
  const path = join(dir, RECORD_DECODER);
  const stock = process.env.CLICKFLOW_KAFKAJS_DECODER === 'stock';
  if (stock || version !== LEAN_DECODER_KAFKAJS_VERSION || require.cache[path] !== undefined) return (installed = false);
  const lean = new Module(path);
  lean.filename = path;
  lean.loaded = true;
  lean.exports = leanRecordDecoder();
  require.cache[path] = lean;
  return (installed = true);
}
