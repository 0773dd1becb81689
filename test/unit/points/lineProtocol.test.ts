import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { toLineProtocol } from '../../../src/points/lineProtocol.js';
import { Point } from '../../../src/points/Point.js';
import { PointError } from '../../../src/points/PointError.js';
import { prng, randInt } from '../operators/reference.js';
import { LineProtocolSyntaxError, parseLineProtocol, type ParsedField, type ParsedPoint } from './lineProtocolParser.js';

describe('toLineProtocol', () => {
  test('writes measurement, tags, fields and a nanosecond time, in the order they were added', () => {
    const p = new Point('error_rates', 1_735_689_610_000).tag('partition', '2').intField('total', 4).intField('errors', -2).floatField('rate', 0.5);
    assert.equal(toLineProtocol(p), 'error_rates,partition=2 total=4i,errors=-2i,rate=0.5 1735689610000000000');
  });

  test('points of different shapes and times, interleaved, each get their own names and time (the encoder remembers the last ones)', () => {
    const shapes = [
      () => new Point('a b', 1).tag('t', 'x').intField('f', 1),
      () => new Point('a', 2).tag('t=', 'x y').intField('f,', 2),
      () => new Point('a', 1).tag('u', 'x').tag('t', 'z').intField('f', 3).floatField('g', 0.5),
      () => new Point('a b', -0).tag('t', 'x').intField('f', 4),
    ];
    const expected = [
      'a\\ b,t=x f=1i 1000000',
      'a,t\\==x\\ y f\\,=2i 2000000',
      'a,u=x,t=z f=3i,g=0.5 1000000',
      'a\\ b,t=x f=4i 0000000',
    ];
    for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [0, 0, 2, 1, 3, 1, 0], [2, 3, 2, 0, 1, 1]]) {
      assert.deepEqual(order.map((i) => toLineProtocol(shapes[i]!())), order.map((i) => expected[i]), `order ${order.join(',')}`);
    }
  });

  test('writes each field type as InfluxDB reads it', () => {
    const line = toLineProtocol(
      new Point('m', 1)
        .intField('i', 0)
        .floatField('f', 3)
        .floatField('e', 1e21)
        .floatField('small', 1e-7)
        .floatField('neg', -2.25)
        .stringField('s', 'say "hi" \\ bye')
        .booleanField('yes', true)
        .booleanField('no', false),
    );
    assert.equal(line, 'm i=0i,f=3,e=1e+21,small=1e-7,neg=-2.25,s="say \\"hi\\" \\\\ bye",yes=true,no=false 1000000');
    const [parsed] = parseLineProtocol(line);
    assert.deepEqual(parsed!.fields, [
      ['i', { type: 'int', value: 0n }],
      ['f', { type: 'float', value: 3 }],
      ['e', { type: 'float', value: 1e21 }],
      ['small', { type: 'float', value: 1e-7 }],
      ['neg', { type: 'float', value: -2.25 }],
      ['s', { type: 'string', value: 'say "hi" \\ bye' }],
      ['yes', { type: 'boolean', value: true }],
      ['no', { type: 'boolean', value: false }],
    ]);
  });

  test('keeps nanoseconds exact beyond 2^53, for negative times and for time 0', () => {
    for (const ms of [0, 1, -1, -1_500, 1_735_689_612_345, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      const [parsed] = parseLineProtocol(toLineProtocol(new Point('m', ms).intField('n', 1)));
      assert.equal(parsed!.timestampNs, BigInt(ms) * 1_000_000n, `${ms} ms`);
    }
  });

  test('escapes the delimiters of measurements, tag keys and values and field keys', () => {
    const p = new Point('my m,x', 0).tag('t k,=', 'v a,l=ue').intField('f k,=', 1);
    assert.equal(toLineProtocol(p), 'my\\ m\\,x,t\\ k\\,\\==v\\ a\\,l\\=ue f\\ k\\,\\==1i 0000000');
  });

  test('a point without fields cannot be written: PointError', () => {
    assert.throws(() => toLineProtocol(new Point('m', 0).tag('a', 'b')), (e: unknown) => e instanceof PointError && /at least one field/.test(e.message));
  });

  test('the documented stand-ins: a newline, tab or carriage return in a name or tag value is stored as \\n, \\t, \\r', () => {
    const [parsed] = parseLineProtocol(toLineProtocol(new Point('a\nb', 0).tag('k\t', 'x\ry\nz').intField('f\n', 1)));
    assert.deepEqual(parsed, {
      measurement: 'a\\nb',
      tags: [['k\\t', 'x\\ry\\nz']],
      fields: [['f\\n', { type: 'int', value: 1n }]],
      timestampNs: 0n,
    });
  });
});

/* ---------------------------------------------------------------------------------------------- */
/* Property: any representable point encodes to one line that parses back to the same point.     */
/* ---------------------------------------------------------------------------------------------- */

/** The characters that matter to line protocol, and some that should not. */
const ALPHABET = [
  ...'abcXYZ019_-./?&%:',
  ',', '=', ' ', '"', '\\', "'", '#', '\n', '\t', '\r',
  'é', 'ü', 'ß', '中', '文', '🙂', '\u200b', '\u00a0', '\u2028',
];

function randomString(rand: () => number, minLength: number, maxLength: number): string {
  let s = '';
  const n = randInt(rand, minLength, maxLength);
  for (let i = 0; i < n; i++) s += ALPHABET[randInt(rand, 0, ALPHABET.length - 1)]!;
  return s;
}

/**
 * What InfluxDB stores for a name or tag value: newline, tab and CR as the two characters `\n`,
 * `\t`, `\r`, and an odd run of backslashes before a space one backslash longer (README, "Output").
 */
const stored = (s: string) =>
  s
    .replace(/(?<!\\)((?:\\\\)*\\) /g, '$1\\ ')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/\r/g, '\\r');

/** Line protocol cannot end a name or tag value with a backslash (it would escape the delimiter after it). */
const endsInBackslash = (s: string) => stored(s).endsWith('\\');

/** A name or tag value the encoder's contract covers. */
function representableName(rand: () => number): string {
  for (;;) {
    const s = randomString(rand, 1, 10);
    if (!endsInBackslash(s)) return s;
  }
}

interface Spec {
  readonly measurement: string;
  readonly tags: [string, string][];
  readonly fields: [string, { type: 'int' | 'float' | 'string' | 'boolean'; value: number | string | boolean }][];
  readonly timeMs: number;
}

/** A backslash before , = " or a space in a measurement or field key: Point refuses it (lineProtocolInjection.test.ts). */
const misread = (s: string) => /\\[," =]/.test(s);

function randomSpec(rand: () => number, name: (rand: () => number) => string, stringValue: (rand: () => number) => string): Spec {
  let measurement = name(rand);
  while (measurement.startsWith('#') || misread(measurement)) measurement = name(rand);
  const tags: [string, string][] = [];
  for (let i = randInt(rand, 0, 4); i > 0; i--) {
    const key = name(rand);
    if (!tags.some(([k]) => stored(k) === stored(key))) tags.push([key, name(rand)]);
  }
  const fields: Spec['fields'] = [];
  for (let i = randInt(rand, 1, 4); i > 0; i--) {
    let key = name(rand);
    while (misread(key)) key = name(rand);
    if (fields.some(([k]) => stored(k) === stored(key))) continue;
    const kind = randInt(rand, 0, 3);
    if (kind === 0) fields.push([key, { type: 'int', value: randInt(rand, -1e6, 1e6) * (rand() < 0.1 ? 1e9 : 1) }]);
    else if (kind === 1) fields.push([key, { type: 'float', value: (rand() - 0.5) * 10 ** randInt(rand, -8, 25) }]);
    else if (kind === 2) fields.push([key, { type: 'string', value: stringValue(rand) }]);
    else fields.push([key, { type: 'boolean', value: rand() < 0.5 }]);
  }
  return { measurement, tags, fields, timeMs: randInt(rand, -1e12, 4e12) };
}

function pointOf(spec: Spec): Point {
  const p = new Point(spec.measurement, spec.timeMs);
  for (const [k, v] of spec.tags) p.tag(k, v);
  for (const [k, f] of spec.fields) {
    if (f.type === 'int') p.intField(k, f.value as number);
    else if (f.type === 'float') p.floatField(k, f.value as number);
    else if (f.type === 'string') p.stringField(k, f.value as string);
    else p.booleanField(k, f.value as boolean);
  }
  return p;
}

/** The point InfluxDB should store for `spec`. */
function expected(spec: Spec): ParsedPoint {
  return {
    measurement: stored(spec.measurement),
    tags: spec.tags.map(([k, v]) => [stored(k), stored(v)]),
    fields: spec.fields.map(([k, f]): [string, ParsedField] => [
      stored(k),
      f.type === 'int' ? { type: 'int', value: BigInt(f.value as number) } : ({ type: f.type, value: f.value } as ParsedField),
    ]),
    timestampNs: BigInt(spec.timeMs) * 1_000_000n,
  };
}

const noNewline = (rand: () => number) => randomString(rand, 0, 12).replace(/\n/g, '');

describe('toLineProtocol: property over random strings (seeded)', () => {
  test('every representable point is one line that parses back to exactly that point', () => {
    const rand = prng(20_250_101);
    for (let round = 0; round < 5_000; round++) {
      const spec = randomSpec(rand, representableName, noNewline);
      const line = toLineProtocol(pointOf(spec));
      assert.ok(!line.includes('\n'), `one line: ${JSON.stringify(line)}`);
      let parsed: ParsedPoint[];
      try {
        parsed = parseLineProtocol(line);
      } catch (error) {
        assert.fail(`round ${round}: ${(error as Error).message}\nspec ${JSON.stringify(spec)}`);
      }
      assert.deepEqual(parsed, [expected(spec)], `round ${round}: ${JSON.stringify(line)}`);
    }
  });

  test('a crafted URL tag can never add a tag, a field or a point', () => {
    const rand = prng(7);
    for (let round = 0; round < 5_000; round++) {
      const url = representableName(rand);
      const line = toLineProtocol(new Point('url_counts', 1_735_689_600_000).tag('partition', '0').tag('url', url).intField('count', 3));
      const parsed = parseLineProtocol(line);
      assert.equal(parsed.length, 1, JSON.stringify(line));
      assert.deepEqual(parsed[0]!.tags, [
        ['partition', '0'],
        ['url', stored(url)],
      ]);
      assert.deepEqual(parsed[0]!.fields, [['count', { type: 'int', value: 3n }]]);
    }
  });

  test('hand-picked injections stay inside their tag value', () => {
    for (const url of [
      '/x count=999i',
      '/x,admin=true',
      '/x f=1i 0\nurl_counts,partition=0,url=/evil count=1i 0',
      '/a\\,b=c',
      '/a\\ b',
      '/a\\=b',
      '\\\\\\,',
      '/"quoted"',
      '/x\r\ny=1',
      '#/comment',
      '/😀,=',
    ]) {
      const parsed = parseLineProtocol(toLineProtocol(new Point('url_counts', 0).tag('url', url).intField('count', 1)));
      assert.deepEqual(parsed, [{ measurement: 'url_counts', tags: [['url', stored(url)]], fields: [['count', { type: 'int', value: 1n }]], timestampNs: 0n }], url);
    }
  });

  test('a point with a name or tag value ending in a backslash is refused when built; every other one parses back exactly', () => {
    const rand = prng(99);
    let refused = 0;
    for (let round = 0; round < 3_000; round++) {
      const spec = randomSpec(rand, (r) => (r() < 0.1 ? `${representableName(r)}\\` : representableName(r)), noNewline);
      const parts = [spec.measurement, ...spec.tags.flat(), ...spec.fields.map(([name]) => name)];
      let point: Point;
      try {
        point = pointOf(spec);
      } catch (error) {
        assert.ok(error instanceof PointError, String(error));
        assert.ok(parts.some((part) => part.endsWith('\\')), `refused without a trailing backslash: ${(error as Error).message}`);
        refused++;
        continue;
      }
      assert.deepEqual(parseLineProtocol(toLineProtocol(point)), [expected(spec)]);
    }
    assert.ok(refused > 100, `trailing backslashes were generated and refused (${refused})`);
  });
});

describe('toLineProtocol: what line protocol cannot represent', () => {
  test(
    'a tag value (or measurement, tag key, field key) ending in a backslash is refused with a PointError',
    () => {
      const attempts = [
        () => toLineProtocol(new Point('m', 0).tag('url', 'C:\\dir\\').intField('n', 1)),
        () => toLineProtocol(new Point('m\\', 0).intField('n', 1)),
        () => toLineProtocol(new Point('m', 0).tag('k\\', 'v').intField('n', 1)),
        () => toLineProtocol(new Point('m', 0).intField('n\\', 1)),
      ];
      for (const attempt of attempts) assert.throws(attempt, PointError);
    },
  );

  test(
    'a newline in a string field is refused with a PointError (line protocol has no newline in field values)',
    () => {
      assert.throws(() => toLineProtocol(new Point('m', 0).stringField('msg', 'two\nlines')), PointError);
    },
  );

  test(
    'a measurement starting with # is refused with a PointError (the line would be a comment)',
    () => {
      assert.throws(() => toLineProtocol(new Point('#m', 0).intField('n', 1)), PointError);
    },
  );
});
