import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareWindowPoints } from '../../../src/diff/compareWindowPoints.js';
import type { WindowPoints } from '../../../src/diff/WindowPoints.js';

const points = (entries: Record<string, Record<string, string>>): WindowPoints =>
  new Map(Object.entries(entries).map(([window, fields]) => [window, new Map(Object.entries(fields))]));

describe('compareWindowPoints', () => {
  test('sorts windows into equal, differing (field by field, values side by side) and in one target only', () => {
    const report = compareWindowPoints(
      points({
        'counts,partition=0 2025-01-01T00:00:00.000Z': { n: '3i', rate: '0.5' },
        'counts,partition=1 2025-01-01T00:00:00.000Z': { n: '4i', total: '7i' },
        'counts,partition=0 2025-01-01T00:00:10.000Z': { n: '1i' },
      }),
      points({
        'counts,partition=0 2025-01-01T00:00:00.000Z': { n: '3i', rate: '0.5' },
        'counts,partition=1 2025-01-01T00:00:00.000Z': { n: '5i', extra: 'true', total: '7' },
        'counts,partition=2 2025-01-01T00:00:00.000Z': { n: '2i' },
      }),
    );
    assert.equal(report.equal, 1);
    assert.deepEqual(report.differing, [
      {
        window: 'counts,partition=1 2025-01-01T00:00:00.000Z',
        fields: [
          { field: 'extra', a: undefined, b: 'true' },
          { field: 'n', a: '4i', b: '5i' },
          // The same number, another type: a job change a dashboard's query would notice.
          { field: 'total', a: '7i', b: '7' },
        ],
      },
    ]);
    assert.deepEqual(report.onlyInA, ['counts,partition=0 2025-01-01T00:00:10.000Z']);
    assert.deepEqual(report.onlyInB, ['counts,partition=2 2025-01-01T00:00:00.000Z']);
  });

  test('two empty targets are equal', () => {
    assert.deepEqual(compareWindowPoints(new Map(), new Map()), { equal: 0, differing: [], onlyInA: [], onlyInB: [] });
  });
});
