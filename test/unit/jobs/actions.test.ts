import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lastValueFrom, of, toArray } from 'rxjs';
import type { InvalidRecord } from '../../../src/events/InvalidRecord.js';
import { actionsJob } from '../../../src/jobs/actions/actionsJob.js';
import { findJob } from '../../../src/jobs/jobRegistry.js';
import { toLineProtocol } from '../../../src/points/lineProtocol.js';

const T0 = Date.UTC(2025, 0, 1) / 1000; // a multiple of 10 s

async function run(events: object[], partition = 2): Promise<{ lines: string[]; invalid: InvalidRecord[] }> {
  const invalid: InvalidRecord[] = [];
  const records = events.map((e) => JSON.stringify({ user_id: 'u', url: '/shop', ...e }));
  const outputs = await lastValueFrom(
    of({ partition, records }).pipe(
      actionsJob.pipeline({ maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0 }, { onInvalid: (r) => invalid.push(r), onLate: () => assert.fail('nothing is late') }),
      toArray(),
    ),
  );
  return { lines: outputs.flatMap((o) => o.points.map(toLineProtocol)).filter((line) => !line.startsWith('job_health,')), invalid };
}

describe('the actions job', () => {
  test('is shipped, and declares its charts for the live page', () => {
    assert.equal(findJob('actions'), actionsJob);
    assert.deepEqual(actionsJob.charts!.map((chart) => chart.name), ['actions', 'topActions']);
  });

  test('counts each action per 10 s window and partition; page views and requests without an action are dropped, not invalid', async () => {
    const { lines, invalid } = await run([
      { event_type: 'page_view', http_status: 200, event_timestamp: T0 + 1 },
      { event_type: 'click', action: 'add_to_cart', event_timestamp: T0 + 2 },
      { event_type: 'click', action: 'buy_now', event_timestamp: T0 + 3 },
      { event_type: 'click', action: 'add_to_cart', event_timestamp: T0 + 4 },
      { http_status: 503, event_timestamp: T0 + 5 },
      { event_type: 'click', action: 'buy_now', event_timestamp: T0 + 12 },
    ]);
    assert.deepEqual(invalid, []);
    const ns = (s: number) => `${s * 1000}000000`;
    assert.deepEqual(lines, [
      `action_counts,partition=2,action=add_to_cart count=2i ${ns(T0)}`,
      `action_counts,partition=2,action=buy_now count=1i ${ns(T0)}`,
      `action_counts,partition=2,action=buy_now count=1i ${ns(T0 + 10)}`,
    ]);
  });

  test('dead-letters an action no InfluxDB tag can hold as bad_action instead of failing the write', async () => {
    const { lines, invalid } = await run([
      { event_type: 'click', action: 'back\\', event_timestamp: T0 + 1 },
      { event_type: 'click', action: '', event_timestamp: T0 + 1 },
      { event_type: 'click', action: 'x'.repeat(201), event_timestamp: T0 + 1 },
      { event_type: 'click', action: 'ok', event_timestamp: T0 + 1 },
    ]);
    assert.deepEqual(invalid.map((r) => r.reason), ['bad_action', 'bad_action', 'bad_action']);
    assert.deepEqual(lines, [`action_counts,partition=2,action=ok count=1i ${T0 * 1000}000000`]);
  });
});
