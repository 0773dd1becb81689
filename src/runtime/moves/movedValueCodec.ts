/**
 * The binary form of a moved record: what `JSON.parse(JSON.stringify(record))` gives back, in
 * fewer bytes and less time. Keys are written once per object shape and Kafka message (an
 * event's four keys, a window result's seventeen, are most of its JSON), numbers as integers
 * or doubles, strings as UTF-8 bytes. A record it cannot write exactly as JSON would (a class
 * instance, a `toJSON`, a lone surrogate, a BigInt, a cycle) is written as JSON text instead,
 * so its meaning never depends on which form carried it.
 */

const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const INT32 = 3;
const FLOAT64 = 4;
const SHORT_STRING = 5;
const STRING = 6;
const ARRAY = 7;
/** An object of a shape defined earlier in the same Kafka message. */
const SHAPED_OBJECT = 8;
/** An object that defines its shape: id, key count, keys, then its values. */
const NEW_SHAPE_OBJECT = 9;
/** An object with its keys beside its values: shapes too many or too wide to keep. */
const INLINE_OBJECT = 10;

/** Nesting deeper than this is written as JSON: it would only be a cycle or an odd record. */
const MAX_DEPTH = 64;
/** Objects with more keys are written inline: a map by name, more likely than a shape. */
const MAX_SHAPE_KEYS = 64;
/** Shapes a writer remembers; past that, new ones are written inline (a job keyed by data). */
const MAX_SHAPES = 4096;
/** Longer keys are data more likely than names: their objects are written inline, never kept. */
const MAX_SHAPE_KEY_LENGTH = 64;
const MAX_SHAPE_ID = 0xffff;

/** `String.prototype.isWellFormed` (Node 20), which the ES2022 library this compiles against does not declare. */
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * Node's own UTF-8 methods of every Buffer, beneath `write` and `toString`: moved strings are
 * mostly short, and for them those wrappers' argument handling cost as much as the copy.
 */
interface Utf8Buffer {
  utf8Write(text: string, offset: number): number;
  utf8Slice(start: number, end: number): string;
}
const utf8 = (buffer: Buffer): Utf8Buffer => buffer as unknown as Utf8Buffer;

/** Why a value is written as JSON instead. */
class NotPlain extends Error {}
const notPlain = new NotPlain();

/** A set of keys, in order: a node of the tree of shapes seen, one key per level. */
interface ShapeNode {
  readonly next: Map<string, ShapeNode>;
  /** The id of this shape in the message being written, valid while `epoch` is the writer's. */
  id: number;
  epoch: number;
}

/**
 * Writes values into a growing buffer for one Kafka message after another. A shape is defined
 * by the first object of that shape in each message, and only referred to after that.
 */
export class MovedValueWriter {
  offset = 0;
  private readonly shapes: ShapeNode = { next: new Map(), id: -1, epoch: -1 };
  private shapeCount = 0;
  /**
   * Per depth, the keys of the last object written there and their shape: records of a move
   * mostly share one shape, and comparing keys costs less than a walk through the tree's Maps.
   */
  private readonly lastKeys: (readonly string[] | undefined)[] = [];
  private readonly lastShapes: (ShapeNode | undefined)[] = [];
  /** Changes with every message, and when a value is rolled back: every shape is then defined anew. */
  private epoch = 0;
  private nextId = 0;

  /** Empty until the first write: a job with many partitions has a writer per move and partition, most of them idle. */
  buffer: Buffer = Buffer.alloc(0);
  /**
   * The same bytes, for numbers: a DataView's accessors compile to a load or store, where a
   * Buffer's `writeDoubleLE` and kin cost ten times as much (range checks, a copy through a
   * scratch array), and a record carries five numbers or more.
   */
  view = new DataView(new ArrayBuffer(0));

  /** Lets go of a buffer that one huge value grew: the next write allocates anew. */
  releaseBuffer(): void {
    this.buffer = Buffer.alloc(0);
    this.view = new DataView(new ArrayBuffer(0));
  }

  /** Starts a new Kafka message: shapes defined in the one before are not known in it. */
  newMessage(): void {
    this.epoch++;
    this.nextId = 0;
  }

  /**
   * Writes `value` as it reads back; `false` (with nothing written) when only JSON can hold it
   * exactly, or when reading it threw (a getter, a revoked Proxy): JSON then says why, as it
   * would have. Shapes it defined are defined again by the next value that uses them.
   */
  tryWrite(value: unknown): boolean {
    const start = this.offset;
    try {
      this.value(value, 0);
      return true;
    } catch {
      this.offset = start;
      this.epoch++;
      return false;
    }
  }

  ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes, 4096));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }

  /** A UTF-8 string with a 4-byte length. */
  writeString(text: string): void {
    this.ensure(4 + text.length * 3);
    const written = utf8(this.buffer).utf8Write(text, this.offset + 4);
    this.view.setUint32(this.offset, written, true);
    this.offset += 4 + written;
  }

  private value(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'string':
        this.string(value);
        return;
      case 'number':
        this.number(value);
        return;
      case 'boolean':
        this.ensure(1);
        this.buffer[this.offset++] = value ? TRUE : FALSE;
        return;
      case 'object':
        if (value === null) {
          this.ensure(1);
          this.buffer[this.offset++] = NULL;
          return;
        }
        if (depth >= MAX_DEPTH) throw notPlain;
        if (Array.isArray(value)) this.array(value, depth);
        else this.object(value as Record<string, unknown>, depth);
        return;
      default:
        // undefined, a function or a symbol (JSON leaves them out or writes null), a BigInt.
        throw notPlain;
    }
  }

  private string(text: string): void {
    // A lone surrogate would come back as U+FFFD from UTF-8; JSON escapes it.
    if (!isWellFormed(text)) throw notPlain;
    const most = text.length * 3;
    this.ensure(5 + most);
    const buffer = this.buffer;
    if (most <= 0xff) {
      const written = utf8(buffer).utf8Write(text, this.offset + 2);
      buffer[this.offset] = SHORT_STRING;
      buffer[this.offset + 1] = written;
      this.offset += 2 + written;
    } else {
      const written = utf8(buffer).utf8Write(text, this.offset + 5);
      buffer[this.offset] = STRING;
      this.view.setUint32(this.offset + 1, written, true);
      this.offset += 5 + written;
    }
  }

  private number(n: number): void {
    this.ensure(9);
    const buffer = this.buffer;
    if ((n | 0) === n) {
      // -0 passes: JSON writes it as 0, and so does an Int32.
      buffer[this.offset] = INT32;
      this.view.setInt32(this.offset + 1, n, true);
      this.offset += 5;
    } else if (Number.isFinite(n)) {
      buffer[this.offset] = FLOAT64;
      this.view.setFloat64(this.offset + 1, n, true);
      this.offset += 9;
    } else {
      // JSON writes NaN and the infinities as null.
      buffer[this.offset++] = NULL;
    }
  }

  private array(items: unknown[], depth: number): void {
    if (Object.getPrototypeOf(items) !== Array.prototype || typeof (items as { toJSON?: unknown }).toJSON === 'function') throw notPlain;
    const length = items.length;
    this.ensure(5);
    this.buffer[this.offset] = ARRAY;
    this.view.setUint32(this.offset + 1, length, true);
    this.offset += 5;
    for (let i = 0; i < length; i++) {
      const item = items[i];
      const kind = typeof item;
      // JSON writes null for what it cannot hold in an array.
      if (kind === 'undefined' || kind === 'function' || kind === 'symbol') {
        this.ensure(1);
        this.buffer[this.offset++] = NULL;
      } else {
        this.value(item, depth + 1);
      }
    }
  }

  private object(record: Record<string, unknown>, depth: number): void {
    const prototype = Object.getPrototypeOf(record) as unknown;
    if ((prototype !== Object.prototype && prototype !== null) || typeof record.toJSON === 'function') throw notPlain;
    const keys = Object.keys(record);
    const node = sameKeys(keys, this.lastKeys[depth]) ? this.lastShapes[depth] : this.shapeOf(keys, depth);
    if (node === undefined || (node.epoch !== this.epoch && this.nextId > MAX_SHAPE_ID)) {
      this.inlineObject(record, keys, depth);
      return;
    }
    if (node.epoch === this.epoch) {
      this.ensure(3);
      this.buffer[this.offset] = SHAPED_OBJECT;
      this.view.setUint16(this.offset + 1, node.id, true);
      this.offset += 3;
    } else {
      node.epoch = this.epoch;
      node.id = this.nextId++;
      this.ensure(5);
      this.buffer[this.offset] = NEW_SHAPE_OBJECT;
      this.view.setUint16(this.offset + 1, node.id, true);
      this.view.setUint16(this.offset + 3, keys.length, true);
      this.offset += 5;
      for (const key of keys) this.key(key);
    }
    for (const key of keys) this.member(record[key], depth);
  }

  /** The shape of `keys`, remembered for the next object at `depth`; undefined for one written inline. */
  private shapeOf(keys: readonly string[], depth: number): ShapeNode | undefined {
    let node: ShapeNode | undefined = keys.length <= MAX_SHAPE_KEYS ? this.shapes : undefined;
    for (let i = 0; i < keys.length && node !== undefined; i++) {
      const key = keys[i]!;
      let next: ShapeNode | undefined = node.next.get(key);
      if (next === undefined && this.shapeCount < MAX_SHAPES && key.length <= MAX_SHAPE_KEY_LENGTH) {
        next = { next: new Map(), id: -1, epoch: -1 };
        node.next.set(key, next);
        this.shapeCount++;
      }
      node = next;
    }
    this.lastKeys[depth] = keys;
    this.lastShapes[depth] = node;
    return node;
  }

  private inlineObject(record: Record<string, unknown>, keys: readonly string[], depth: number): void {
    this.ensure(5);
    this.buffer[this.offset] = INLINE_OBJECT;
    this.view.setUint32(this.offset + 1, keys.length, true);
    this.offset += 5;
    for (const key of keys) {
      this.key(key);
      this.member(record[key], depth);
    }
  }

  private key(key: string): void {
    // JSON.parse makes `__proto__` an own key; an assignment would set the prototype instead.
    if (key === '__proto__' || !isWellFormed(key)) throw notPlain;
    this.writeString(key);
  }

  private member(value: unknown, depth: number): void {
    const kind = typeof value;
    // JSON leaves such a member out, which changes the shape: rare enough to go as JSON.
    if (kind === 'undefined' || kind === 'function' || kind === 'symbol') throw notPlain;
    this.value(value, depth + 1);
  }
}

/** Whether two key lists are equal: keys of objects are interned strings, so `===` is cheap. */
function sameKeys(keys: readonly string[], last: readonly string[] | undefined): boolean {
  if (last === undefined || last.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== last[i]) return false;
  return true;
}

/**
 * Keys that `Object.prototype` holds as a setter, a getter alone or a read-only member
 * (`__proto__` aside, which no key may be): an assignment of such a key calls the setter or
 * fails, where JSON.parse defines an own member. A sound process has none; a library that
 * polluted the prototype must not change what a moved record holds. Read per Kafka message,
 * since the prototype may change at any time: a dozen lookups against hundreds of records.
 * (Index keys polluted so would break every array in the process, `push` included: out of reach.)
 */
function keysAssignmentMisses(): Set<string> | undefined {
  let keys: Set<string> | undefined;
  for (const key of Object.getOwnPropertyNames(Object.prototype)) {
    if (key === '__proto__') continue;
    const descriptor = Object.getOwnPropertyDescriptor(Object.prototype, key)!;
    if (descriptor.get !== undefined || descriptor.set !== undefined || descriptor.writable !== true) (keys ??= new Set()).add(key);
  }
  return keys;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Reads an object's values, in its keys' order, into a new object of that shape. */
type ShapeBuilder = (reader: MovedValueReader, end: number, depth: number) => Record<string, unknown>;

/** The keys of a shape a message defined, and its builder (none when the process could not make one). */
interface Shape {
  readonly keys: readonly string[];
  readonly build: ShapeBuilder | undefined;
}

/** Builders by their keys as JSON: jobs move a handful of shapes, made again in every message. */
const shapeBuilders = new Map<string, ShapeBuilder | undefined>();
/**
 * Builders kept for the life of the process. Each holds at most `MAX_SHAPE_KEYS` keys of
 * `MAX_SHAPE_KEY_LENGTH` characters (what a writer makes shapes of; a forged message may define
 * larger ones, which are read without a builder), so all of them stay within a few megabytes.
 */
const MAX_SHAPE_BUILDERS = 256;

/** How many shape builders the process holds: bounded, whatever messages it read. */
export function shapeBuilderCount(): number {
  return shapeBuilders.size;
}

/**
 * A function that builds objects of these keys as one object literal: V8 then makes each with
 * its final layout at once, where assigning keys one by one walks a layout per key. Keys go into
 * the source as JSON strings, which are JavaScript string literals, so no key can be code; a
 * literal defines its members as JSON.parse does, whatever `Object.prototype` holds, and
 * `__proto__` never gets here (`key` refuses it). `undefined` where the process forbids
 * generating code (`--disallow-code-generation-from-strings`), past `MAX_SHAPE_BUILDERS`
 * builders, or for a shape wider than any writer makes.
 */
function shapeBuilderOf(keys: readonly string[]): ShapeBuilder | undefined {
  if (keys.length > MAX_SHAPE_KEYS || keys.some((key) => key.length > MAX_SHAPE_KEY_LENGTH)) return undefined;
  const id = JSON.stringify(keys);
  if (shapeBuilders.has(id)) return shapeBuilders.get(id);
  if (shapeBuilders.size >= MAX_SHAPE_BUILDERS) return undefined;
  let build: ShapeBuilder | undefined;
  try {
    const members = keys.map((key) => `${JSON.stringify(key)}: reader.memberValue(end, depth)`).join(',\n');
    build = new Function('reader', 'end', 'depth', `return {\n${members}\n};`) as ShapeBuilder;
  } catch {
    build = undefined;
  }
  shapeBuilders.set(id, build);
  return build;
}

/** Why a value could not be read: it runs past its bytes or holds an unknown tag. */
export class MovedValueFormatError extends Error {}

/**
 * Reads the values of one Kafka message, in the order written: the shapes an earlier value of
 * the message defined are known to the later ones.
 */
export class MovedValueReader {
  offset = 0;
  /** By id: a Map, since an id a forged message never defined must not find an index key of `Object.prototype`. */
  private readonly shapes = new Map<number, Shape>();
  /** Keys an assignment would not define on a new object (see `keysAssignmentMisses`); undefined in a sound process. */
  private readonly guarded = keysAssignmentMisses();

  /** The same bytes, for numbers (see `MovedValueWriter.view`). */
  readonly view: DataView;

  constructor(private readonly buffer: Buffer) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  /** One value from `offset` that must end by `end`. */
  read(end: number): unknown {
    const value = this.value(end, 0);
    if (this.offset > end) throw new MovedValueFormatError('runs past its length');
    return value;
  }

  /** A UTF-8 string with a 4-byte length. */
  private readString(end: number): string {
    const length = this.u32(end);
    return this.text(length, end);
  }

  private value(end: number, depth: number): unknown {
    if (this.offset >= end) throw new MovedValueFormatError('runs past its length');
    // No writer nests deeper (it writes such a record as JSON): a forged depth would overflow the stack.
    if (depth > MAX_DEPTH) throw new MovedValueFormatError('nests deeper than a writer does');
    const buffer = this.buffer;
    const tag = buffer[this.offset++]!;
    switch (tag) {
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case INT32: {
        this.need(4, end);
        const n = this.view.getInt32(this.offset, true);
        this.offset += 4;
        return n;
      }
      case FLOAT64: {
        this.need(8, end);
        const n = this.view.getFloat64(this.offset, true);
        this.offset += 8;
        return n;
      }
      case SHORT_STRING: {
        this.need(1, end);
        const length = buffer[this.offset++]!;
        return this.text(length, end);
      }
      case STRING:
        return this.readString(end);
      case ARRAY: {
        const length = this.u32(end);
        // Each item takes at least a byte: a forged length cannot allocate more than the message holds.
        this.need(length, end);
        const items = new Array<unknown>(length);
        for (let i = 0; i < length; i++) items[i] = this.value(end, depth + 1);
        return items;
      }
      case SHAPED_OBJECT: {
        const shape = this.shapes.get(this.u16(end));
        if (shape === undefined) throw new MovedValueFormatError('refers to a shape not defined before it');
        return this.shaped(shape, end, depth);
      }
      case NEW_SHAPE_OBJECT: {
        const id = this.u16(end);
        const count = this.u16(end);
        const keys: string[] = [];
        for (let i = 0; i < count; i++) keys.push(this.key(end));
        const shape: Shape = { keys, build: this.guarded === undefined ? shapeBuilderOf(keys) : undefined };
        this.shapes.set(id, shape);
        return this.shaped(shape, end, depth);
      }
      case INLINE_OBJECT: {
        const count = this.u32(end);
        const record: Record<string, unknown> = {};
        for (let i = 0; i < count; i++) {
          const key = this.key(end);
          this.member(record, key, this.value(end, depth + 1));
        }
        return record;
      }
      default:
        throw new MovedValueFormatError(`holds an unknown tag ${tag}`);
    }
  }

  /** An object of `shape`, at `depth`: through its builder when it has one. */
  private shaped(shape: Shape, end: number, depth: number): Record<string, unknown> {
    return shape.build === undefined ? this.members(shape.keys, end, depth) : shape.build(this, end, depth + 1);
  }

  /** One member's value of an object at `depth - 1`: what a shape's builder reads, key by key. */
  memberValue(end: number, depth: number): unknown {
    return this.value(end, depth);
  }

  /** A key: never `__proto__`, which an assignment would take as the prototype (no writer writes one). */
  private key(end: number): string {
    const key = this.readString(end);
    if (key === '__proto__') throw new MovedValueFormatError('holds a key __proto__');
    return key;
  }

  private members(keys: readonly string[], end: number, depth: number): Record<string, unknown> {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) this.member(record, keys[i]!, this.value(end, depth + 1));
    return record;
  }

  /** As JSON.parse: an own, writable member, whatever the prototypes hold. */
  private member(record: Record<string, unknown>, key: string, value: unknown): void {
    if (this.guarded?.has(key)) define(record, key, value);
    else record[key] = value;
  }

  private text(length: number, end: number): string {
    this.need(length, end);
    const start = this.offset;
    this.offset += length;
    return utf8(this.buffer).utf8Slice(start, this.offset);
  }

  private u16(end: number): number {
    this.need(2, end);
    const n = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return n;
  }

  private u32(end: number): number {
    this.need(4, end);
    const n = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return n;
  }

  private need(bytes: number, end: number): void {
    if (this.offset + bytes > end) throw new MovedValueFormatError('runs past its length');
  }
}
