import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MovedMessagePacker, packMovedMessages, unpackMovedMessages } from '../../../src/runtime/moves/movedMessageCodec.js';
import type { MovedMessage } from '../../../src/runtime/moves/MoveTransport.js';
import { MovedRecordError } from '../../../src/runtime/moves/MovedRecordError.js';
import { shapeBuilderCount } from '../../../src/runtime/moves/movedValueCodec.js';

const moved = (record: unknown, id = 1): MovedMessage => ({ kind: 'record', writer: 0, id, timeMs: 5, watermarkMs: 4, record });
/** What a move must give back: what JSON would. */
const viaJson = (record: unknown): unknown => JSON.parse(JSON.stringify(record) ?? 'null') as unknown;
const roundTrip = (records: readonly unknown[]): unknown[] => {
  const unpacked = unpackMovedMessages(packMovedMessages(records.map((record, i) => moved(record, i))));
  if (typeof unpacked === 'string') throw new Error(unpacked);
  return unpacked.map((message) => (message.kind === 'record' ? message.record : undefined));
};

class Visit {
  constructor(readonly url: string) {}
}

describe('moved records: the binary form gives back what JSON would', () => {
  test('generated values, many to a Kafka message with shared shapes, equal JSON.parse(JSON.stringify(value)), key order included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue(), fc.anything({ withNullPrototype: true, withSparseArray: true, withBoxedValues: false, withMap: false, withSet: false, withBigInt: false })), { maxLength: 8 }), (records) => {
        const back = roundTrip(records);
        records.forEach((record, i) => {
          const expected = viaJson(record);
          assert.deepStrictEqual(back[i], expected);
          // deepStrictEqual ignores key order; a moved record keeps it, as JSON does.
          assert.equal(JSON.stringify(back[i]), JSON.stringify(expected));
        });
      }),
      { numRuns: 3000 },
    );
  });

  test('what only JSON holds exactly goes as JSON: toJSON, class instances, lone surrogates, -0, non-finite numbers, undefined members, __proto__ keys', () => {
    const records: unknown[] = [
      { at: new Date(Date.UTC(2026, 0, 2)), n: 1 },
      new Visit('/a'),
      { lone: '\ud800x', ok: 'é ✓ 😀' },
      { '\udc00': 1 },
      { zero: -0, nan: NaN, inf: -Infinity, big: 2 ** 31, frac: 0.1, min: -(2 ** 31) },
      { gone: undefined, fn: () => 1, kept: 1 },
      [undefined, () => 1, Symbol('s'), 1],
      JSON.parse('{"__proto__":{"polluted":true},"x":1}') as unknown,
      { toJSON: () => 'replaced' },
      Object.assign(Object.create(null) as object, { a: 1 }),
      { deep: JSON.parse(`${'['.repeat(100)}1${']'.repeat(100)}`) as unknown },
      undefined,
      'x'.repeat(70_000),
    ];
    const back = roundTrip(records);
    records.forEach((record, i) => {
      assert.deepStrictEqual(back[i], viaJson(record), `record ${i}`);
      assert.equal(JSON.stringify(back[i]), JSON.stringify(viaJson(record)), `record ${i}`);
    });
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    assert.equal(Object.getPrototypeOf(back[7]), Object.prototype);
    assert.ok(Object.hasOwn(back[7] as object, '__proto__'));
  });

  test('a record JSON cannot hold stops the job with the reason, and leaves the message as it was', () => {
    const packer = new MovedMessagePacker(1024);
    packer.append(moved({ a: 1 }));
    const bytes = packer.bytes;
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const throwing = {
      x: 1,
      get y(): number {
        throw new Error('a getter that fails');
      },
    };
    for (const record of [{ n: 1n }, cyclic, { user: 'u2', p: revoked }, throwing]) {
      assert.throws(() => packer.append(moved({ wrapped: record })), (e) => e instanceof MovedRecordError && /map it to JSON values before the keyBy/.test(e.message));
      assert.equal(packer.bytes, bytes);
    }
    packer.append(moved({ a: 2 }, 2));
    const unpacked = unpackMovedMessages(packer.take()!);
    assert.deepEqual(unpacked, [moved({ a: 1 }), moved({ a: 2 }, 2)]);
    assert.equal(packer.take(), undefined);
  });

  test('shapes are per Kafka message: the next message defines them again, and a shape stays within its writer\'s memory bound', () => {
    const packer = new MovedMessagePacker(64);
    packer.append(moved({ user: 'u1', n: 1 }));
    const first = packer.take()!;
    packer.append(moved({ user: 'u2', n: 2 }, 2));
    const second = packer.take()!;
    // Each message read alone, as a reader that starts at any offset does.
    assert.deepEqual(unpackMovedMessages(second), [moved({ user: 'u2', n: 2 }, 2)]);
    assert.deepEqual(unpackMovedMessages(first), [moved({ user: 'u1', n: 1 })]);
    // Keys taken from data: more shapes than a writer keeps, all still exact.
    const keyed = Array.from({ length: 5000 }, (_, i) => ({ [`url-${i}`]: i, [`other-${i % 7}`]: 'x' }));
    assert.deepEqual(roundTrip(keyed), keyed);
  });

  test('Object.prototype polluted with a setter, a getter or a read-only member changes nothing: members are own and plain, as JSON.parse makes them', () => {
    const records = [{ user: 'u1', n: 1, list: ['a', 'b'] }, { user: 'u2', n: 2, list: ['c'] }, { other: { user: 'u3' } }];
    const packed = packMovedMessages(records.map((record, i) => moved(record, i)));
    const expected = JSON.parse(JSON.stringify(records)) as unknown[];
    const set: unknown[] = [];
    Object.defineProperty(Object.prototype, 'user', { set: (value: unknown) => set.push(value), configurable: true });
    Object.defineProperty(Object.prototype, 'n', { value: 'read-only', writable: false, configurable: true });
    Object.defineProperty(Object.prototype, 'other', { get: () => 'inherited', configurable: true });
    try {
      const read = (unpackMovedMessages(packed) as MovedMessage[]).map((m) => (m.kind === 'record' ? m.record : undefined));
      assert.deepEqual(set, [], 'no setter was called');
      assert.deepEqual(read, expected);
      const first = read[0] as Record<string, unknown>;
      assert.deepEqual(Object.keys(first), ['user', 'n', 'list']);
      assert.equal(Object.getOwnPropertyDescriptor(first, 'n')?.value, 1);
      assert.deepEqual(Object.getOwnPropertyDescriptor(read[2], 'other')?.value, { user: 'u3' });
    } finally {
      delete (Object.prototype as Record<string, unknown>).user;
      delete (Object.prototype as Record<string, unknown>).n;
      delete (Object.prototype as Record<string, unknown>).other;
    }
    assert.deepEqual((unpackMovedMessages(packed) as MovedMessage[]).map((m) => (m.kind === 'record' ? m.record : undefined)), expected, 'and reads the same once they are sound again');
  });

  test('keys that would be code in a literal are data: quotes, backslashes, line and paragraph separators, integer keys, prototype names', () => {
    const hostile = ['"}; throw new Error("ran"); ({"', "'", '\\', '\n', '\u2028\u2029', '${x}', '*/', 'constructor', 'toString', 'hasOwnProperty', '1', '0', ''];
    const record = Object.fromEntries(hostile.map((key, i) => [key, i]));
    // Twice in one message: the second is read through the shape the first defined.
    const back = roundTrip([record, { ...record, nested: record }, record]);
    for (const [i, value] of back.entries()) {
      const expected = viaJson([record, { ...record, nested: record }, record][i]);
      assert.deepStrictEqual(value, expected);
      assert.equal(JSON.stringify(value), JSON.stringify(expected));
    }
  });

  test('records of alternating shapes, nested or not, read back exactly: the writer remembers shapes per depth', () => {
    const a = { user_id: 'u', url: '/a', http_status: 200, eventTimeMs: 1.5 };
    const b = { url: '/b', user_id: 'v', http_status: 500, eventTimeMs: 2 };
    const records = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? a : i % 3 === 1 ? b : { key: 'k', value: i % 2 === 0 ? a : b, list: [a, b] }));
    const back = roundTrip(records);
    assert.equal(JSON.stringify(back), JSON.stringify(records));
  });

  test('in a process that forbids generating code, records read back the same', () => {
    const codec = new URL('../../../src/runtime/moves/movedMessageCodec.js', import.meta.url).href;
    const script = `
      const { packMovedMessages, unpackMovedMessages } = await import(${JSON.stringify(codec)});
      const records = [{ user_id: 'u', url: '/a', n: 1 }, { user_id: 'v', url: '/b', n: 2 }];
      const back = unpackMovedMessages(packMovedMessages(records.map((record, id) => ({ kind: 'record', writer: 0, id, timeMs: 1, watermarkMs: 0, record }))));
      let generated = true;
      try { new Function('return 1'); } catch { generated = false; }
      process.stdout.write(JSON.stringify({ generated, back: back.map((m) => m.record) }));`;
    const run = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const { generated, back } = JSON.parse(run.stdout) as { generated: boolean; back: unknown[] };
    assert.equal(generated, false, 'the flag forbids new Function');
    assert.equal(JSON.stringify(back), JSON.stringify([{ user_id: 'u', url: '/a', n: 1 }, { user_id: 'v', url: '/b', n: 2 }]));
  });

  test('the binary form is smaller than JSON for the records moves carry', () => {
    const event = { user_id: '6f1c2b8e-4d0a-4b6e-9f3e-2a7d5c1e9b40', url: 'https://shop.example.com/products/item-42?ref=home', http_status: 200, eventTimeMs: 1_735_689_612_345 };
    const events = Array.from({ length: 100 }, (_, i) => ({ ...event, eventTimeMs: event.eventTimeMs + i }));
    const packed = packMovedMessages(events.map((record, i) => moved(record, i)));
    const json = events.reduce((sum, record) => sum + Buffer.byteLength(JSON.stringify(record)), 0);
    assert.ok(packed.length - 100 * 31 < json * 0.75, `${packed.length - 100 * 31} bytes of records against ${json} of JSON`);
  });
});

describe('moved records: a message clickflow did not write is refused, never misread', () => {
  test('every cut of a packed message is refused or reads as a prefix of what was packed', () => {
    const messages = [moved({ a: [1, 'x', { b: null }], c: 1.5 }), moved({ a: [], c: -1 }, 2)];
    const whole = packMovedMessages(messages);
    for (let end = 1; end < whole.length; end++) {
      const result = unpackMovedMessages(whole.subarray(0, end));
      if (typeof result !== 'string') assert.deepEqual(result, messages.slice(0, result.length), `cut at ${end}`);
    }
  });

  test('nesting deeper than any writer writes is refused, not a stack overflow', () => {
    const header = Buffer.alloc(31);
    for (const opening of [Buffer.from([7, 1, 0, 0, 0]), Buffer.from([9, 0, 0, 1, 0, 1, 0, 0, 0, 0x6b])]) {
      const body = Buffer.concat([...Array.from({ length: 5000 }, () => opening), Buffer.from([0])]);
      header.writeUInt32LE(body.length, 27);
      assert.equal(unpackMovedMessages(Buffer.concat([Buffer.from([0x03]), header, body])), 'a record at byte 1 that nests deeper than a writer does');
    }
  });

  /** A forged Kafka message of one record: an object that defines shape `id` with `keys`, each valued null. */
  const forgedShape = (id: number, keys: readonly string[]): Buffer => {
    const parts = [Buffer.from([9, id & 0xff, id >> 8, keys.length & 0xff, keys.length >> 8])];
    for (const key of keys) {
      const bytes = Buffer.from(key);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.length);
      parts.push(length, bytes);
    }
    parts.push(Buffer.alloc(keys.length));
    const body = Buffer.concat(parts);
    const header = Buffer.alloc(31);
    header.writeUInt32LE(body.length, 27);
    return Buffer.concat([Buffer.from([0x03]), header, body]);
  };

  test('forged shapes wider than any writer makes are read, but never kept; the shapes kept are bounded', () => {
    const before = shapeBuilderCount();
    const wide = Array.from({ length: 65 }, (_, i) => `k${i}-${before}`);
    const long = ['x'.repeat(65), `y-${before}`];
    for (const keys of [wide, long]) {
      const read = unpackMovedMessages(forgedShape(0, keys));
      assert.ok(Array.isArray(read));
      assert.deepEqual(Object.keys((read[0] as { record: object }).record), keys);
    }
    assert.equal(shapeBuilderCount(), before, 'no builder for a shape past the writer\'s limits');
    for (let i = 0; i < 400; i++) unpackMovedMessages(forgedShape(0, [`forged-${i}`]));
    assert.ok(shapeBuilderCount() <= 256, `${shapeBuilderCount()} builders kept`);
  });

  test('a shape id never defined is refused even when Object.prototype holds that index', () => {
    Object.defineProperty(Object.prototype, 5, { value: 'x', configurable: true, writable: true });
    try {
      const header = Buffer.alloc(31);
      header.writeUInt32LE(3, 27);
      const forged = Buffer.concat([Buffer.from([0x03]), header, Buffer.from([8, 5, 0])]);
      assert.equal(unpackMovedMessages(forged), 'a record at byte 1 that refers to a shape not defined before it');
    } finally {
      delete (Object.prototype as Record<number, unknown>)[5];
    }
  });

  test('random bytes after the format byte are refused or read, never thrown', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const result = unpackMovedMessages(Buffer.concat([Buffer.from([0x03]), bytes]));
        assert.ok(typeof result === 'string' || Array.isArray(result));
      }),
      { numRuns: 5000 },
    );
  });
});
