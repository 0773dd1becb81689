import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escape } from '@influxdata/influxdb-client';
import fc from 'fast-check';
import { escapeLineProtocol } from '../../../src/points/lineProtocolEscape.js';

/** Strings dense in what line protocol escapes, beside any other text. */
const text = fc.oneof(
  fc.string({ unit: fc.constantFrom(',', ' ', '=', '"', '\\', '\n', '\r', '\t', 'a', 'é', '😀', '\u0000') }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
);

describe('line-protocol escapes', () => {
  test('equal the official client\'s escape for measurements, tags and quoted strings, over generated strings', () => {
    fc.assert(
      fc.property(text, (s) => {
        assert.equal(escapeLineProtocol.measurement(s), escape.measurement(s));
        assert.equal(escapeLineProtocol.tag(s), escape.tag(s));
        assert.equal(escapeLineProtocol.quoted(s), escape.quoted(s));
      }),
      { numRuns: 20_000 },
    );
  });

  test('give back the very string when nothing needs escaping', () => {
    const url = '/products/42?ref=home';
    assert.equal(escapeLineProtocol.measurement(url), url);
    assert.equal(escapeLineProtocol.tag('/a b,c=d'), '/a\\ b\\,c\\=d');
    assert.equal(escapeLineProtocol.quoted('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
  });
});
