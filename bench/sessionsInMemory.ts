// `npm run bench` (c): session windows in memory, 100,000 users, 30 s gap (issue 23's goals).
//
// (c) the session-window operator over parsed objects, keyed by user, against what a user
//     would hand-write: a Map of each user's last event time, a new session when the next
//     event comes more than a gap later.
//     Goal: >= 1M events/s.
// (m) the move: from JSON lines in 3 partitions already keyed by user, a job whose `keyBy` moves
//     each record to its key's partition (in process), against the same windows keyed within
//     each partition, which is exact here only because the input is partitioned by user.
//     Goal: >= 0.5 of the path without the move.
// Every candidate must count the same sessions as the hand-written loop.
import { from, lastValueFrom, tap } from 'rxjs';
import { clickEvents } from '../src/api/clickEvents.js';
import { job } from '../src/api/job.js';
import { DEFAULTS } from '../src/config/defaults.js';
import type { ClickEvent } from '../src/events/ClickEvent.js';
import { validateClickEvent } from '../src/events/validateClickEvent.js';
import { sessionAggregate } from '../src/jobs/sessions/SessionAggregate.js';
import { EventTimeSessionWindows } from '../src/operators/EventTimeSessionWindows.js';
import { parseRecords } from '../src/operators/parseRecords.js';
import type { RecordBatch } from '../src/operators/RecordBatch.js';
import { windowAggregate } from '../src/operators/windowAggregate.js';
import { asRead } from './benchEvents.js';
import { compareRates } from './compareRates.js';
import { seededRandom } from './seededRandom.js';

const USERS = 100_000;
const GAP_MS = 30_000;
const PARTITIONS = 3;
const BATCH = 1_024;
const T0_MS = Date.parse('2025-01-01T00:00:00Z');
const ignore = () => {};

/** The session windows of (c) and of (m)'s path without a move: keyed by user within each partition. */
const sessionWindows = () =>
  windowAggregate({
    windows: EventTimeSessionWindows.withGap(GAP_MS),
    eventTimeOf: (event: ClickEvent) => event.eventTimeMs,
    keyOf: (event: ClickEvent) => event.user_id,
    maxOutOfOrdernessMs: DEFAULTS.maxOutOfOrdernessMs,
    aggregate: sessionAggregate(),
  });

/**
 * `events` JSON click events, one every 0.3 ms of event time, each from one of 100,000 users at
 * random (fixed seed): a user's events come about 30 s apart on average, so sessions of one
 * event and of dozens both occur. `partitionOf` is the user's index modulo {@link PARTITIONS}.
 */
function sessionEvents(events: number): { lines: string[]; partitionOf: number[] } {
  const random = seededRandom(20_261_207);
  const lines = new Array<string>(events);
  const partitionOf = new Array<number>(events);
  for (let i = 0; i < events; i++) {
    const user = Math.floor(random() * USERS);
    const status = random() < 0.03 ? 503 : 200;
    const timeMs = T0_MS + Math.floor(i * 0.3);
    lines[i] = asRead(`{"user_id":"user-${user}","url":"/p/${user % 500}","http_status":${status},"event_timestamp":${(timeMs / 1000).toFixed(3)}}`);
    partitionOf[i] = user % PARTITIONS;
  }
  return { lines, partitionOf };
}

/** Runs (c) and (m) over `events` events, `rounds` rounds each, and prints their figures. */
export async function sessionsInMemory(events: number, rounds: number): Promise<void> {
  console.log(`sessions in memory: ${events} events, ${USERS} users, ${GAP_MS / 1000} s gap…`);
  const { lines, partitionOf } = sessionEvents(events);
  const objects = lines.map((line) => {
    const value = JSON.parse(line) as unknown;
    if (validateClickEvent(value) !== null) throw new Error(`bench event is invalid: ${line}`);
    return value as ClickEvent;
  });
  const objectBatches: RecordBatch<ClickEvent>[] = [];
  for (let i = 0; i < objects.length; i += BATCH) objectBatches.push({ partition: 0, records: objects.slice(i, i + BATCH) });

  // Sessions as a user would count them by hand: in event-time order, a user's next event more
  // than a gap after their last one starts a new session (as in Flink, a session ending exactly
  // where the next begins merges with it).
  const handWritten = () => {
    const lastMs = new Map<string, number>();
    let sessions = 0;
    for (let i = 0; i < objects.length; i++) {
      const { user_id: user, eventTimeMs } = objects[i]!;
      const last = lastMs.get(user);
      if (last === undefined || eventTimeMs - last > GAP_MS) sessions++;
      lastMs.set(user, eventTimeMs);
    }
    return sessions;
  };
  const operator = async () => {
    let sessions = 0;
    await lastValueFrom(from(objectBatches).pipe(sessionWindows(), tap((batch) => (sessions += batch.results.length))), { defaultValue: undefined });
    return sessions;
  };
  const c = await compareRates(events, rounds, handWritten, operator);

  // (m): the lines of each partition in batches, the partitions' batches taken in turn.
  const byPartition = Array.from({ length: PARTITIONS }, () => ({ lines: [] as string[], positions: [] as number[] }));
  for (let i = 0; i < lines.length; i++) {
    const part = byPartition[partitionOf[i]!]!;
    part.positions.push(part.lines.length);
    part.lines.push(lines[i]!);
  }
  const lineBatches: RecordBatch<string>[] = [];
  for (let start = 0; byPartition.some((p) => start < p.lines.length); start += BATCH) {
    byPartition.forEach((p, partition) => {
      if (start < p.lines.length) lineBatches.push({ partition, records: p.lines.slice(start, start + BATCH), positions: p.positions.slice(start, start + BATCH) });
    });
  }
  const withinPartitions = async () => {
    let sessions = 0;
    const run = from(lineBatches).pipe(
      parseRecords<ClickEvent>({ validate: validateClickEvent, onInvalid: ignore }),
      sessionWindows(),
      tap((batch) => (sessions += batch.results.length)),
    );
    await lastValueFrom(run, { defaultValue: undefined });
    return sessions;
  };
  const moved = async () => {
    const graph = job('bench-sessions');
    graph
      .from(clickEvents())
      .keyBy((event) => event.user_id)
      .window(EventTimeSessionWindows.withGap(GAP_MS))
      .aggregate(sessionAggregate())
      .toRecords('sessions', (session) => session.value.pages);
    let sessions = 0;
    const run = from(lineBatches).pipe(
      graph.pipeline({}, { onInvalid: ignore, onLate: ignore, sourcePartitions: PARTITIONS, writtenRecordOutputs: new Set() }),
      tap((out) => (sessions += out.recordLines?.length ?? 0)),
    );
    await lastValueFrom(run, { defaultValue: undefined });
    return sessions;
  };
  const m = await compareRates(events, rounds, withinPartitions, moved);

  const expected = c.checks[0];
  for (const [name, count] of [['(c) operator', c.checks[1]], ['(m) within partitions', m.checks[0]], ['(m) moved', m.checks[1]]] as const) {
    if (count !== expected) throw new Error(`${name} counted ${count} sessions, the hand-written loop ${expected}`);
  }
  const fmt = (n: number) => `${(n / 1e6).toFixed(2)}M/s`;
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  console.log('(c) session windows  hand-written Map loop %s   operator %s   operator/loop %s   goal: operator >= 1.00M/s (%d sessions)', fmt(c.baseline), fmt(c.candidates[0]!), pct(c.ratios[0]!), expected);
  console.log('(m) the move         within partitions %s   keyBy moving records %s   moved/within %s   goal: >= 50%%', fmt(m.baseline), fmt(m.candidates[0]!), pct(m.ratios[0]!));
}
