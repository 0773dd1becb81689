import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { archiveJob } from '../../../src/jobs/archive/archiveJob.js';
import type { ArchivedEvent } from '../../../src/jobs/archive/ArchivedEvent.js';
import { textFitsPostgres } from '../../../src/jobs/archive/textFitsPostgres.js';
import { click, raw, runPipeline, T0 } from '../api/harness.js';

describe('the archive job', () => {
  test('each valid event once, as read, with its partition and offset; a replay after a restore writes only what follows its checkpoint', async () => {
    const records = [click('/a', 200, T0, { event_id: 'e1', cart: { items: 2 } }), 'not json', click('/b', 503, T0 + 1), click('/nul\u0000', 200, T0 + 2)];
    const run = await runPipeline(archiveJob, [raw(1, records, 40), raw(1, [click('/x', 200, T0 + 2), click('/y', 200, T0 + 2), click('/c', 404, T0 + 3)], 48, { restore: { maxTimestampMs: (T0 + 2) * 1000, replayUntil: 50 } })]);
    const lines = run.outputs.flatMap((o) => o.recordLines ?? []);
    assert.ok(lines.every((l) => l.output === 'events'));
    const archived = lines.map((l) => JSON.parse(l.line) as ArchivedEvent);
    assert.deepEqual(archived, [
      { partition: 1, offset: 40, event_time_ms: T0 * 1000, event: { user_id: 'u', url: '/a', http_status: 200, event_timestamp: T0, event_id: 'e1', cart: { items: 2 } } },
      { partition: 1, offset: 42, event_time_ms: (T0 + 1) * 1000, event: { user_id: 'u', url: '/b', http_status: 503, event_timestamp: T0 + 1 } },
      { partition: 1, offset: 50, event_time_ms: (T0 + 3) * 1000, event: { user_id: 'u', url: '/c', http_status: 404, event_timestamp: T0 + 3 } },
    ]);
    assert.deepEqual(run.invalid.map((r) => [r.position, r.reason]), [[41, 'not_json'], [43, 'unstorable_text']]);
  });

  test('text PostgreSQL cannot store (a NUL, a lone surrogate, in any field or key, nested too) is refused; other text passes', () => {
    assert.equal(textFitsPostgres({ url: '/ünï cödé 😀', extra: { list: ['a', { b: 'c' }] } }), null);
    for (const [value, where] of [
      [{ url: '/a\u0000' }, /^url /],
      [{ url: '/a', extra: { list: ['ok', '\ud800'] } }, /^extra\.list\[1\] /],
      [{ url: '/a', extra: { 'k\u0000': 1 } }, /^a field name in extra /],
      [{ url: '\udc00x' }, /^url /],
    ] as const) {
      const failure = textFitsPostgres(value);
      assert.equal(failure?.reason, 'unstorable_text', JSON.stringify(value));
      assert.match(failure!.detail, where);
    }
  });
});
