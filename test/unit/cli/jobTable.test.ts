import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeUnprintable, jobTable } from '../../../src/cli/jobTable.js';

const job = (name: string) => ({ id: 'j1', name, state: 'RUNNING', restarts: 0, recordsIn: 5, pointsOut: 2, submittedAt: '2026-01-01T00:00:00.000Z' });

test("clickflow list: a job name's newlines and control characters are escaped, one line per job", () => {
  const table = jobTable([job('/jobs/evil\nj2  FAILED\r\t\u001b[31mred\u001b[0m\u202eev.js'), job('plain')]);
  const lines = table.split('\n');
  assert.equal(lines.length, 4, table); // header, two jobs, and the final newline
  assert.equal(lines[1], 'j1  /jobs/evil\\nj2  FAILED\\r\\t\\x1b[31mred\\x1b[0m\\u202eev.js  RUNNING  0         5           2           2026-01-01T00:00:00.000Z');
  assert.doesNotMatch(table, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, 'no control character but the rows\' newlines');
  assert.match(lines[2]!, /^j1  plain /);
});

test('printable text, accents and emoji included, is left as it is', () => {
  assert.equal(escapeUnprintable('café /p1 🚀 a\\b'), 'café /p1 🚀 a\\b');
  assert.equal(escapeUnprintable('\u0000\u007f\u0085\u2028'), '\\x00\\x7f\\x85\\u2028');
});
