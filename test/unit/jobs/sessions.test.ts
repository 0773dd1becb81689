import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sessionsJob } from '../../../src/jobs/sessions/sessionsJob.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { click, runPipeline, T0 } from '../api/harness.js';
import { prng, randInt } from '../operators/reference.js';

const GAP_MS = 20_000;
const MAX_OOO_MS = 5_000; // the default
const MINUTE = 60_000;

interface Ev {
  readonly user: string;
  readonly url: string;
  readonly status: number;
  readonly ms: number;
}

/**
 * A clickstream keyed by URL over 3 partitions, as `clickflow produce` writes it: a user's
 * pages land in every partition. Each partition's clock runs at its own pace, most events are
 * out of order within the bound, a few are late beyond it.
 */
function clickstream(seed: number): Ev[][] {
  const rand = prng(seed);
  return [0, 1, 2].map((p) => {
    let clock = T0 * 1000 + randInt(rand, 0, 3_000);
    const events: Ev[] = [];
    for (let i = 0; i < 900; i++) {
      clock += randInt(rand, 0, 400 + p * 150);
      const roll = rand();
      const ms = roll < 0.05 ? clock - MAX_OOO_MS - randInt(rand, 1, 40_000) : clock - randInt(rand, 0, MAX_OOO_MS - 1);
      const status = rand() < 0.05 ? 503 : 200;
      events.push({ user: `u${randInt(rand, 0, 59)}`, url: `/p${p}/${randInt(rand, 0, 6)}`, status, ms });
    }
    return events;
  });
}

/** Batches of `size`, partitions interleaved in a seeded order, as raw JSON lines. */
function batchesOf(byPartition: readonly (readonly Ev[])[], size: number, seed: number): RecordBatch<string>[] {
  const rand = prng(seed);
  const cursors = byPartition.map(() => 0);
  const out: RecordBatch<string>[] = [];
  for (;;) {
    const live = cursors.map((c, p) => (c < byPartition[p]!.length ? p : -1)).filter((p) => p >= 0);
    if (live.length === 0) return out;
    const p = live[Math.floor(rand() * live.length)]!;
    const events = byPartition[p]!.slice(cursors[p]!, cursors[p]! + size);
    out.push({
      partition: p,
      records: events.map((e) => click(e.url, e.status, e.ms / 1000, { user_id: e.user })),
      positions: events.map((_, i) => cursors[p]! + i),
    });
    cursors[p]! += size;
  }
}

/** The reference, written from the definition: lateness at each partition, then every user's on-time pages split by the gap. */
function referenceSessions(byPartition: readonly (readonly Ev[])[]) {
  const onTime: Ev[] = [];
  for (const events of byPartition) {
    let max = -Infinity;
    for (const e of events) {
      if (!(e.ms + GAP_MS - 1 <= max - MAX_OOO_MS - 1)) onTime.push(e);
      max = Math.max(max, e.ms);
    }
  }
  const byUser = new Map<string, Ev[]>();
  for (const e of onTime) byUser.set(e.user, [...(byUser.get(e.user) ?? []), e]);
  const sessions: { user_id: string; first: number; last: number; pages: number; server_errors: number; landing_url: string }[] = [];
  for (const [user, events] of byUser) {
    const sorted = [...events].sort((a, b) => a.ms - b.ms || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    let current: Ev[] = [];
    const close = () =>
      sessions.push({
        user_id: user,
        first: current[0]!.ms,
        last: current.at(-1)!.ms,
        pages: current.length,
        server_errors: current.filter((e) => e.status >= 500).length,
        landing_url: current[0]!.url,
      });
    for (const e of sorted) {
      if (current.length > 0 && e.ms - current.at(-1)!.ms > GAP_MS) {
        close();
        current = [];
      }
      current.push(e);
    }
    close();
  }
  return { sessions, late: byPartition.flat().length - onTime.length };
}

function sessionLines(run: Awaited<ReturnType<typeof runPipeline>>): string[] {
  return run.outputs
    .flatMap((o) => o.recordLines ?? [])
    .filter((l) => l.output === 'sessions')
    .map((l) => l.line)
    .sort();
}

describe('the sessions job', () => {
  test('per user, from a topic keyed by URL: every session equals the brute-force reference, whatever the interleaving of partitions', async () => {
    for (const seed of [11, 12]) {
      const byPartition = clickstream(seed);
      const reference = referenceSessions(byPartition);
      assert.ok(reference.late > 20, `some events are late at their partition (${reference.late})`);
      const expected = reference.sessions
        .map((s) =>
          JSON.stringify({
            user_id: s.user_id,
            start: new Date(s.first).toISOString(),
            end: new Date(s.last).toISOString(),
            pages: s.pages,
            duration_ms: s.last - s.first,
            bounced: s.pages === 1,
            server_errors: s.server_errors,
            landing_url: s.landing_url,
          }),
        )
        .sort();
      let first: string[] | undefined;
      for (const [size, order] of [[1, 1], [13, 2], [300, 3]] as const) {
        const run = await runPipeline(sessionsJob, batchesOf(byPartition, size, order), { gapMs: GAP_MS });
        const got = sessionLines(run);
        assert.deepEqual(got, expected, `seed ${seed}, batches of ${size}`);
        assert.equal(run.late.length, reference.late, 'late events are counted and routed, once each');
        const points = run.lines.slice().sort();
        if (first === undefined) first = points;
        else assert.deepEqual(points, first, 'the points do not depend on the interleaving either');
      }
      // Users spread over partitions: a per-partition keyBy would have split these sessions.
      const users = byPartition.map((events) => new Set(events.map((e) => e.user)));
      assert.ok([...users[0]!].filter((u) => users[1]!.has(u) && users[2]!.has(u)).length > 40, 'users appear in every partition');
    }
  });

  test('session_stats per minute of session end and landing_pages per landing URL equal sums over the reference sessions', async () => {
    const byPartition = clickstream(21);
    const { sessions } = referenceSessions(byPartition);
    const run = await runPipeline(sessionsJob, batchesOf(byPartition, 40, 1), { gapMs: GAP_MS });
    // A session's result has the event time of its window's end − 1: last page + gap − 1.
    const minuteOf = (s: (typeof sessions)[number]) => Math.floor((s.last + GAP_MS - 1) / MINUTE) * MINUTE;
    const stats = new Map<number, { sessions: number; bounces: number; pages: number; durationMs: number; errors: number }>();
    const landing = new Map<string, { sessions: number; bounces: number }>();
    for (const s of sessions) {
      const m = stats.get(minuteOf(s)) ?? { sessions: 0, bounces: 0, pages: 0, durationMs: 0, errors: 0 };
      m.sessions++;
      m.bounces += s.pages === 1 ? 1 : 0;
      m.pages += s.pages;
      m.durationMs += s.last - s.first;
      m.errors += s.server_errors > 0 ? 1 : 0;
      stats.set(minuteOf(s), m);
      const key = `${s.landing_url} ${minuteOf(s)}`;
      const l = landing.get(key) ?? { sessions: 0, bounces: 0 };
      l.sessions++;
      l.bounces += s.pages === 1 ? 1 : 0;
      landing.set(key, l);
    }
    const expectedStats = [...stats]
      .map(
        ([minute, m]) =>
          `session_stats sessions=${m.sessions}i,bounces=${m.bounces}i,bounce_rate=${m.bounces / m.sessions},avg_duration_s=${m.durationMs / m.sessions / 1000},` +
          `pages_per_session=${m.pages / m.sessions},server_error_share=${m.errors / m.sessions} ${minute}000000`,
      )
      .sort();
    assert.ok(expectedStats.length >= 3, `several minutes (${expectedStats.length})`);
    assert.deepEqual(run.lines.filter((l) => l.startsWith('session_stats')).sort(), expectedStats);
    const expectedLanding = [...landing].map(([key, l]) => {
      const [url, minute] = key.split(' ');
      return `landing_pages,url=${url} sessions=${l.sessions}i,bounces=${l.bounces}i ${minute}000000`;
    });
    assert.deepEqual(run.lines.filter((l) => l.startsWith('landing_pages')).sort(), expectedLanding.sort());
    assert.ok(!run.lines.some((l) => l.includes('partition=') || l.includes('user')), 'no partition and no user tag: one series per minute and URL');
  });

  test('refuses --window and --slide (its sessions have a gap) and takes --gap', () => {
    assert.throws(() => sessionsJob.settings({ windowMs: 60_000 }), /session windows/);
    assert.deepEqual(sessionsJob.settings({ gapMs: 5 * MINUTE }).windows, { kind: 'session', gapMs: 5 * MINUTE });
    assert.equal(sessionsJob.notResumable, undefined, 'from Kafka its three moves go through internal topics');
    assert.equal(sessionsJob.moves, 3);
    assert.deepEqual(sessionsJob.recordOutputs, ['sessions']);
  });
});
