import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClickflowError } from '../../../src/errors/ClickflowError.js';
import { Point } from '../../../src/points/Point.js';
import { PointError } from '../../../src/points/PointError.js';

/** Asserts a PointError whose message names `what`. */
const refuses = (make: () => unknown, what: RegExp) =>
  assert.throws(make, (error: unknown) => {
    assert.ok(error instanceof PointError, `a PointError, got ${String(error)}`);
    assert.match(error.message, what);
    return true;
  });

describe('Point', () => {
  test('keeps its measurement, time, and tags and fields in the order they were added', () => {
    const p = new Point('m', 1_000).tag('b', '2').tag('a', '1').intField('z', 3).floatField('y', 0.5).stringField('x', 's').booleanField('w', false);
    assert.equal(p.measurement, 'm');
    assert.equal(p.timeMs, 1_000);
    assert.deepEqual(p.tags, [
      ['b', '2'],
      ['a', '1'],
    ]);
    assert.deepEqual(p.fields, [
      ['z', { type: 'int', value: 3 }],
      ['y', { type: 'float', value: 0.5 }],
      ['x', { type: 'string', value: 's' }],
      ['w', { type: 'boolean', value: false }],
    ]);
    assert.deepEqual(p.toJSON(), { measurement: 'm', tags: { b: '2', a: '1' }, fields: { z: 3, y: 0.5, x: 's', w: false }, timeMs: 1_000 });
  });

  test('keeps the order of many tags and fields, and refuses a repeated one among them', () => {
    // Short lists are copied at their exact size, long ones pushed to: both must keep every part.
    const p = new Point('m', 0);
    for (let i = 0; i < 12; i++) p.tag(`t${i}`, `v${i}`).intField(`f${i}`, i);
    assert.deepEqual(p.tags, Array.from({ length: 12 }, (_, i) => [`t${i}`, `v${i}`]));
    assert.deepEqual(p.fields, Array.from({ length: 12 }, (_, i) => [`f${i}`, { type: 'int', value: i }]));
    refuses(() => p.tag('t0', 'again'), /tag "t0" is set twice/);
    refuses(() => p.tag('t11', 'again'), /tag "t11" is set twice/);
    refuses(() => p.intField('f0', 1), /field "f0" is set twice/);
    refuses(() => p.floatField('f11', 1), /field "f11" is set twice/);
    assert.equal(p.tags.length, 12);
    assert.equal(p.fields.length, 12);
  });

  test('refuses tags and fields of the wrong type from untyped job code, and keeps the point as it was', () => {
    const untyped = (value: unknown) => value as never;
    const p = new Point('m', 0).intField('n', 5);
    refuses(() => p.booleanField('ok', untyped(['x', 'y'])), /boolean field "ok" must be true or false, got an array/);
    refuses(() => p.stringField('s', untyped(['a', 'b'])), /string field "s" must be a string, got an array/);
    refuses(() => p.tag('k', untyped(5)), /tag "k" must be a string, got a number.*String\(value\)/);
    refuses(() => p.intField(untyped(['a', 'b']), 1), /field name must be a string, got an array/);
    refuses(() => p.tag(untyped(['a']), 'v'), /tag name must be a string, got an array/);
    p.intField('z', 7);
    assert.deepEqual(p.fields, [
      ['n', { type: 'int', value: 5 }],
      ['z', { type: 'int', value: 7 }],
    ]);
    assert.deepEqual(p.tags, []);
  });

  test('refuses a float that is NaN or infinite, naming the field', () => {
    for (const value of [NaN, Infinity, -Infinity]) refuses(() => new Point('m', 0).floatField('rate', value), /"rate".*finite/);
    assert.doesNotThrow(() => new Point('m', 0).floatField('rate', -0).floatField('tiny', Number.MIN_VALUE).floatField('huge', Number.MAX_VALUE));
  });

  test('refuses an int that is not a safe integer, naming the field', () => {
    for (const value of [1.5, -0.1, NaN, Infinity, 2 ** 53, -(2 ** 53)]) refuses(() => new Point('m', 0).intField('count', value), /"count".*safe integer/);
    assert.doesNotThrow(() => new Point('m', 0).intField('max', Number.MAX_SAFE_INTEGER).intField('min', Number.MIN_SAFE_INTEGER).intField('zero', -0));
  });

  test('refuses an empty measurement, tag name, tag value or field name', () => {
    refuses(() => new Point('', 0), /measurement/);
    refuses(() => new Point('m', 0).tag('url', ''), /"url".*non-empty value/);
    refuses(() => new Point('m', 0).tag('', 'x'), /tag/);
    refuses(() => new Point('m', 0).intField('', 1), /field needs a name/);
    refuses(() => new Point('m', 0).stringField('', 'x'), /field needs a name/);
    assert.doesNotThrow(() => new Point('m', 0).stringField('empty', ''), 'an empty string is a valid string field');
  });

  test("refuses a tag named as a column Flux gives every row, which no query could read back", () => {
    for (const name of ['_start', '_stop', '_time', '_value', '_measurement', '_field']) {
      assert.throws(() => new Point('m', 0).tag(name, 'x'), (e: Error) => e instanceof PointError && e.message.includes(`tag name "${name}" is a column Flux gives every row`) && e.message.includes(name === '_time' ? '"event_time"' : `"${name.slice(1)}"`));
    }
    assert.deepEqual(new Point('m', 0).tag('_starts', 'x').tag('start', 'y').tags, [['_starts', 'x'], ['start', 'y']]);
    // The name suggested for _time must not be another that fails.
    assert.throws(() => new Point('m', 0).tag('_time', 'x'), /e\.g\. "event_time"/);
  });

  test('refuses a tag or field named time, which InfluxDB refuses or drops', () => {
    assert.throws(() => new Point('m', 0).tag('time', 'x'), (e: Error) => e instanceof PointError && /tag name "time" is reserved: InfluxDB refuses the write/.test(e.message));
    assert.throws(() => new Point('m', 0).intField('time', 1), (e: Error) => e instanceof PointError && /field name "time" is reserved: InfluxDB drops such a field/.test(e.message));
    assert.deepEqual(new Point('m', 0).tag('times', 'x').intField('timestamp', 1).fields, [['timestamp', { type: 'int', value: 1 }]]);
  });

  test('refuses a time that is not whole epoch milliseconds, at construction and in at()', () => {
    for (const t of [1.5, NaN, Infinity, 2 ** 53]) {
      refuses(() => new Point('m', t), /time/);
      refuses(() => new Point('m', 0).at(t), /time/);
    }
    assert.equal(new Point('m', 0).at(-5).timeMs, -5);
  });

  test('a PointError is a ClickflowError that is never retried', () => {
    try {
      new Point('m', 0).floatField('x', NaN);
      assert.fail('no error');
    } catch (error) {
      assert.ok(error instanceof ClickflowError);
      assert.equal((error as ClickflowError).retriable, false);
      assert.equal((error as Error).name, 'PointError');
    }
  });

  test(
    'refuses a tag name twice (InfluxDB refuses the whole line: "duplicate tags")',
    () => {
      refuses(() => new Point('m', 0).tag('url', '/a').tag('url', '/b'), /url/);
    },
  );
});
