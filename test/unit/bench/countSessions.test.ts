import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { benchGenerator } from '../../../bench/benchEvents.js';
import { countSessions } from '../../../bench/countSessions.js';
import { sessionsJob } from '../../../src/jobs/sessions/sessionsJob.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { runPipeline } from '../api/harness.js';

/** bench:e2e trusts this count to check the sessions job it times: it must count as the job does. */
describe('countSessions (the e2e benchmark\'s independent session count)', () => {
  test('times exactly a gap apart are one session (touching bounds merge, as in Flink); one ms more splits them', () => {
    assert.equal(countSessions([[0, 30_000]], 30_000), 1);
    assert.equal(countSessions([[0, 30_001]], 30_000), 2);
    assert.equal(countSessions([[60_001, 0, 30_000], [5]], 30_000), 3);
  });

  test('equals the sessions the job writes in one process over the benchmark\'s events on 3 partitions keyed by URL', async () => {
    const gapMs = 30_000;
    const generator = benchGenerator();
    const byPartition: string[][] = [[], [], []];
    const timesByUser = new Map<string, number[]>();
    for (let i = 0; i < 30_000; i++) {
      const { key, value } = generator.next();
      byPartition[[...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 0) % 3]!.push(value);
      const event = JSON.parse(value) as { user_id: string; event_timestamp: number };
      const times = timesByUser.get(event.user_id) ?? [];
      times.push(Math.round(event.event_timestamp * 1000));
      timesByUser.set(event.user_id, times);
    }
    const batches: RecordBatch<string>[] = [];
    for (let from = 0; from < 30_000; from += 1_000) {
      for (let partition = 0; partition < 3; partition++) {
        const records = byPartition[partition]!.slice(from, from + 1_000);
        if (records.length > 0) batches.push({ partition, records, positions: records.map((_, i) => from + i) });
      }
    }
    const run = await runPipeline(sessionsJob, batches, { gapMs });
    assert.equal(run.late.length, 0);
    const written = run.outputs.reduce((sum, o) => sum + (o.recordLines?.length ?? 0), 0);
    assert.ok(written > 1_000, `${written} sessions`);
    assert.equal(countSessions(timesByUser.values(), gapMs), written);
  });
});
