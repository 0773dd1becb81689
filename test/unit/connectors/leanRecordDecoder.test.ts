import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { leanRecordDecoder } from '../../../src/connectors/kafka/leanRecordDecoder.js';

// kafkajs's own encoder, decoder and record decoder: the reference the lean decoder must equal.
const require = createRequire(import.meta.url);
const kafkajsDir = dirname(require.resolve('kafkajs/package.json'));
const kafkajs = (path: string): unknown => require(join(kafkajsDir, path));

interface Encoder {
  buffer: Buffer;
  writeVarInt(n: number): Encoder;
  writeInt8(n: number): Encoder;
  writeVarLong(n: unknown): Encoder;
  writeVarIntBytes(b: Buffer | null): Encoder;
  writeVarIntArray(items: Encoder[]): Encoder;
  writeEncoder(e: Encoder): Encoder;
}
interface Decoder {
  readVarIntBytes(): Buffer;
}
const EncoderClass = kafkajs('src/protocol/encoder.js') as new () => Encoder;
const DecoderClass = kafkajs('src/protocol/decoder.js') as new (buffer: Buffer) => Decoder;
const Long = kafkajs('src/utils/long.js') as { fromString(text: string): unknown };
const encodeHeader = kafkajs('src/protocol/recordBatch/header/v0/index.js') as (header: { key: string; value: Buffer | null }) => Encoder;
const stockDecodeRecord = kafkajs('src/protocol/recordBatch/record/v0/decoder.js') as (decoder: Decoder, context?: object) => unknown;
const leanDecodeRecord = leanRecordDecoder();

interface RecordSpec {
  readonly attributes: number;
  readonly timestampDelta: bigint;
  readonly offsetDelta: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly { key: string; value: Buffer | null }[];
}

/** A record's bytes as a record batch holds them: its length, then its body (kafkajs's own writers). */
function recordBytes(spec: RecordSpec): Buffer {
  const body = new EncoderClass()
    .writeInt8(spec.attributes)
    .writeVarLong(Long.fromString(spec.timestampDelta.toString()))
    .writeVarInt(spec.offsetDelta)
    .writeVarIntBytes(spec.key)
    .writeVarIntBytes(spec.value)
    .writeVarIntArray(spec.headers.map(encodeHeader));
  return new EncoderClass().writeVarInt(body.buffer.length).writeEncoder(body).buffer;
}

/** Both decoders over the same bytes and context: each gets its own kafkajs Decoder, as a fetch gives. */
function decodeBoth(bytes: Buffer, context: object | undefined): [unknown, unknown, Error | undefined, Error | undefined] {
  const run = (decode: (decoder: Decoder, context?: object) => unknown): [unknown, Error | undefined] => {
    try {
      const decoder = new DecoderClass(new DecoderClass(bytes).readVarIntBytes() as never);
      return [context === undefined ? decode(decoder) : decode(decoder, context), undefined];
    } catch (error) {
      return [undefined, error as Error];
    }
  };
  const [stock, stockError] = run(stockDecodeRecord);
  const [lean, leanError] = run(leanDecodeRecord as never);
  return [stock, lean, stockError, leanError];
}

/** Equal, members in the same order (deepStrictEqual alone ignores order), headers' own members included. */
function assertSame(lean: unknown, stock: unknown): void {
  assert.deepStrictEqual(lean, stock);
  assert.deepEqual(Object.keys(lean as object), Object.keys(stock as object));
  const leanHeaders = (lean as { headers: object }).headers;
  const stockHeaders = (stock as { headers: object }).headers;
  assert.deepEqual(Reflect.ownKeys(leanHeaders), Reflect.ownKeys(stockHeaders));
  assert.equal(Object.getPrototypeOf(leanHeaders), Object.getPrototypeOf(stockHeaders));
}

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
/** Offsets and times where they are in practice, and anywhere a 64-bit integer can be. */
const firstValue = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 53n + 10n }), fc.constantFrom(-1n, 0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n)), int64);
const delta = fc.oneof(fc.bigInt({ min: -1000n, max: 100000n }), fc.constantFrom(0n, 2n ** 48n, 2n ** 49n, -(2n ** 49n), 2n ** 53n, -(2n ** 53n)), int64);
const bytes = fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), { nil: null });
const headerName = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'toString', 'constructor', 'trace', 'trace', 'hasOwnProperty'));
const recordSpec = fc.record({
  attributes: fc.integer({ min: -128, max: 127 }),
  timestampDelta: delta,
  offsetDelta: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  key: bytes,
  value: bytes,
  headers: fc.array(fc.record({ key: headerName, value: bytes }), { maxLength: 5 }),
});
const batchContext = fc.record(
  {
    firstOffset: firstValue.map(String),
    firstTimestamp: firstValue.map(String),
    magicByte: fc.constant(2),
    isControlBatch: fc.boolean(),
    timestampType: fc.constantFrom(0, 1),
    maxTimestamp: fc.oneof(firstValue.map(String), fc.constant('')),
    inTransaction: fc.boolean(),
  },
  { requiredKeys: ['firstOffset', 'firstTimestamp'] },
);

describe('lean record decoder: what kafkajs decodes, record for record', () => {
  test('generated records and batch contexts, 64-bit edges included, decode to equal objects', () => {
    fc.assert(
      fc.property(fc.array(recordSpec, { minLength: 1, maxLength: 6 }), fc.array(batchContext, { minLength: 1, maxLength: 3 }), (records, contexts) => {
        // Records of one batch share its context object (what the lean decoder caches), and batches interleave.
        for (let i = 0; i < records.length; i++) {
          const [stock, lean, stockError, leanError] = decodeBoth(recordBytes(records[i]!), contexts[i % contexts.length]);
          assert.equal(leanError?.message, stockError?.message);
          if (stockError === undefined) assertSame(lean, stock);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('a record without a batch context, a cut record and a varlong longer than 7 bytes decode as kafkajs decodes them', () => {
    const spec: RecordSpec = { attributes: 0, timestampDelta: 2n ** 60n, offsetDelta: 7, key: null, value: Buffer.from('{"a":1}'), headers: [] };
    const full = recordBytes(spec);
    const context = { firstOffset: '41', firstTimestamp: '1735689600000', magicByte: 2, isControlBatch: false, timestampType: 0, maxTimestamp: '1' };
    const [stock, lean] = decodeBoth(full, context);
    assertSame(lean, stock);
    assert.equal((lean as { offset: string }).offset, '48');
    assert.equal((lean as { timestamp: string }).timestamp, (2n ** 60n + 1735689600000n).toString());
    const [noContextStock, noContextLean, noContextStockError, noContextLeanError] = decodeBoth(full, undefined);
    assert.equal(noContextLeanError?.message, noContextStockError?.message);
    if (noContextStockError === undefined) assertSame(noContextLean, noContextStock);
    // Cut anywhere: the same record, or the same error.
    for (let cut = 1; cut < full.length; cut++) {
      const shortened = Buffer.concat([new EncoderClass().writeVarInt(cut - 1).buffer, full.subarray(full.length - (cut - 1))]);
      const [s, l, se, le] = decodeBoth(shortened, context);
      assert.equal(le?.message, se?.message, `cut ${cut}`);
      if (se === undefined) assert.deepStrictEqual(l, s, `cut ${cut}`);
    }
  });

  test('headers stay own members when Object.prototype holds a setter or a read-only member of their name', () => {
    const spec: RecordSpec = { attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: null, value: null, headers: [{ key: 'trace', value: Buffer.from('h') }] };
    const context = { firstOffset: '0', firstTimestamp: '0' };
    const set: unknown[] = [];
    for (const member of [{ set: (value: unknown) => set.push(value) }, { value: 'x', writable: false }]) {
      Object.defineProperty(Object.prototype, 'trace', { ...member, configurable: true });
      try {
        const [stock, lean, stockError, leanError] = decodeBoth(recordBytes(spec), context);
        assert.equal(leanError?.message, stockError?.message);
        assertSame(lean, stock);
        assert.ok(Object.hasOwn((lean as { headers: object }).headers, 'trace'));
      } finally {
        delete (Object.prototype as Record<string, unknown>).trace;
      }
    }
    assert.deepEqual(set, [], 'no setter was called');
  });

  test('installed, kafkajs loads it in place of its own; CLICKFLOW_KAFKAJS_DECODER=stock keeps kafkajs\'s', () => {
    const module = new URL('../../../src/connectors/kafka/leanRecordDecoder.js', import.meta.url).href;
    const script = `
      import { createRequire } from 'node:module';
      import { dirname, join } from 'node:path';
      const { installLeanRecordDecoder } = await import(${JSON.stringify(module)});
      const installed = installLeanRecordDecoder();
      const require = createRequire(${JSON.stringify(module)});
      const loaded = require(join(dirname(require.resolve('kafkajs/package.json')), 'src/protocol/recordBatch/record/v0/decoder.js'));
      process.stdout.write(JSON.stringify({ installed, name: loaded.name }));`;
    const run = (env: NodeJS.ProcessEnv) => {
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
      assert.equal(child.status, 0, child.stderr);
      return JSON.parse(child.stdout) as { installed: boolean; name: string };
    };
    const { CLICKFLOW_KAFKAJS_DECODER: _, ...env } = process.env;
    assert.deepEqual(run(env), { installed: true, name: 'leanDecodeRecord' });
    assert.deepEqual(run({ ...env, CLICKFLOW_KAFKAJS_DECODER: 'stock' }), { installed: false, name: '' });
  });
});
