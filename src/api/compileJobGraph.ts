import { asyncScheduler, filter, interval, map, Observable, share, Subject, tap, type OperatorFunction } from '../rxjs.js';
import type { JobContext, JobParameters } from '../jobs/Job.js';
import type { JobOutput, RecordLine } from '../jobs/JobOutput.js';
import { BoundedOutOfOrdernessWatermarks } from '../operators/BoundedOutOfOrdernessWatermarks.js';
import { latenessRule } from '../operators/latenessRule.js';
import { markReplays } from '../operators/markReplays.js';
import { moveByKey } from '../operators/moveByKey.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import { windowAggregate } from '../operators/windowAggregate.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import type { LateRecord, WindowedBatch, WindowResult } from '../operators/WindowResult.js';
import { Point } from '../points/Point.js';
import { keyIdentity } from '../operators/keyIdentity.js';
import { partitionOfKey } from '../operators/partitionOfKey.js';
import type { PartitionCheckpoint } from '../operators/PartitionCheckpoint.js';
import type { MovedCheckpoint } from '../runtime/moves/MovedCheckpoint.js';
import { InternalTopicGapError } from '../runtime/moves/InternalTopicGapError.js';
import { MovedPartitionReader } from '../runtime/moves/MovedPartitionReader.js';
import { splitPartition, type MoveTransport } from '../runtime/moves/MoveTransport.js';
import type { JobGraph } from './JobGraph.js';
import { parentOf, type OutputNode, type PlanNode, type PointFactory, type WindowNode } from './PlanNode.js';
import { endPositionOf } from './RecordStage.js';

/** What the steps produced while one source batch went through the graph. */
interface Collected {
  points: Point[];
  lines: RecordLine[];
  windowsFired: number;
  lateRecords: number;
}

/** A partition's progress as the windows over the source report it. */
type Progress = Pick<WindowedBatch<unknown>, 'watermarkMs' | 'maxTimestampMs' | 'safePosition' | 'nextPosition'> & { readonly moved?: MovedCheckpoint };

/** What holds for the stream a step reads. */
interface StreamState {
  /** Results of a window, unmapped: points are stamped with the window's start. */
  readonly windowResults: boolean;
  /** Window results per partition (no key, or keys kept in their source partitions): points are tagged with it. */
  readonly perPartition: boolean;
  /** Downstream of a window or a move: the watermark comes with the batches. */
  readonly carried: boolean;
  /** No window on the path: its records have source positions, and a replay must not repeat them. */
  readonly positioned: boolean;
}

/**
 * The operator that runs a job's graph: each source batch goes through every step (branches
 * share what they have in common), and one {@link JobOutput} per source batch carries what
 * came out, with the source partition's progress. At the end of input every window fires, and
 * one JobOutput per partition carries the last results and progress.
 *
 * The commit position of a partition is the lowest that any window over the source still
 * needs. In one process (no `context.transport`) a job that moves records or windows window
 * results runs without commits, so its progress is simply how far it read.
 *
 * With a {@link MoveTransport} (Kafka) every move goes through its internal topic instead:
 * the steps before a move write to it, and the window after it reads the topic's partitions,
 * which arrive on the same input as the source's (see `combinedPartition`). Each of those
 * partitions commits at a snapshot of its readers at or before the lowest offset its windows
 * still need, and a restart replays from there silently up to where the previous run got.
 */
export function compileJobGraph(graph: JobGraph, parameters: JobParameters, context: JobContext): OperatorFunction<RecordBatch<string | Uint8Array>, JobOutput> {
  const children = graph.children();
  const windowsOverSource = graph.windowsOverSource();
  const moves = graph.windowNodes().some((window) => window.moves);
  // An aligned window behind a filter follows the source's watermark, as after Flink's
  // assignTimestampsAndWatermarks: records the filter drops still move it on.
  const stampsSourceWatermark = moves || windowsOverSource.some((window) => window.windows.kind !== 'session' && readsThroughStage(window));
  const transport = context.transport;
  const partitions = transport?.partitions ?? context.sourcePartitions ?? 1;
  const committable = graph.notResumable === undefined;
  const moveNumbers = new Map(graph.windowNodes().filter((window) => window.moves).map((window, number) => [window, number]));
  const where = (move: number) => `the internal topic of move ${move + 1}`;
  // One wall-clock ticker for the job's early firings, at the shortest interval its windows ask for.
  const earlyEveryMs = Math.min(...graph.windowNodes().map((window) => graph.resolve(window, parameters).trigger.earlyEveryMs ?? Infinity));

  return (source) =>
    new Observable<JobOutput>((subscriber) => {
      let collected: Collected = { points: [], lines: [], windowsFired: 0, lateRecords: 0 };
      // Per source partition: the progress the windows over the source reported for the batch.
      const progress = new Map<number, Progress>();
      const ownWatermarks = new Map<number, BoundedOutOfOrdernessWatermarks>();
      const lastRead = new Map<number, number>();
      const sourceBoundMs = graph.maxOutOfOrdernessMs(parameters);
      const trackOwnWatermark = moves || !committable || windowsOverSource.length === 0 || stampsSourceWatermark;
      const onLate = (late: LateRecord<unknown>) => {
        if (replaying) return;
        collected.lateRecords++;
        context.onLate(late);
      };
      const root = new Subject<RecordBatch<string | Uint8Array>>();
      // With a transport: the window after each move reads its internal topic's partitions here.
      const entries = new Map<number, Subject<RecordBatch<unknown>>>();
      const readers = new Map<number, MovedPartitionReader>();
      const internalSafe = new Map<number, number>();
      // Per writing partition and move: the last watermark sent to every partition of the move's topic.
      const sentWatermarks = new Map<string, number>();
      // The same keys, for writers whose source partition was reported idle and has not had records since.
      const idleWriters = new Set<string>();
      // While a restored internal partition replays what a previous run wrote: nothing leaves.
      let replaying = false;
      let failure: { error: unknown } | undefined;
      const fail = (error: unknown) => {
        failure ??= { error };
      };

      const wire = (node: PlanNode, stream: Observable<RecordBatch<unknown>>, state: StreamState): void => {
        const next = children.get(node) ?? [];
        const shared = next.length > 1 ? stream.pipe(share()) : stream;
        for (const child of next) {
          switch (child.kind) {
            case 'stage':
              wire(child, shared.pipe(map(child.stage(context))), state);
              break;
            case 'watermarks':
              wire(child, shared, state);
              break;
            case 'window':
              wire(child, windowStep(child, shared, state), {
                windowResults: true,
                perPartition: child.keyOf === undefined || (!child.moves && state.perPartition),
                carried: true,
                positioned: false,
              });
              break;
            case 'output':
              shared.subscribe({
                next(batch) {
                  // A job's own function that throws (toPoints, toJson) fails the job with its error.
                  try {
                    collect(child, batch, state);
                  } catch (error) {
                    fail(error);
                  }
                },
                error: fail,
              });
              break;
            case 'source':
              break;
          }
        }
      };

      const windowStep = (node: WindowNode, input: Observable<RecordBatch<unknown>>, state: StreamState): Observable<RecordBatch<unknown>> => {
        const { windows, trigger, maxOutOfOrdernessMs, allowedLatenessMs } = graph.resolve(node, parameters);
        const carried = state.carried || node.moves;
        // Early results reach outputs only, and ticks only the windows over the source.
        const onTime = carried ? input.pipe(filter((batch) => batch.early !== true)) : input;
        let records = onTime;
        if (node.moves && transport !== undefined) {
          const move = moveNumbers.get(node)!;
          const isLate = latenessRule(windows, allowedLatenessMs);
          onTime.subscribe({
            next(batch) {
              try {
                send(move, node, isLate, batch);
              } catch (error) {
                fail(error);
              }
            },
            error: fail,
          });
          records = new Subject<RecordBatch<unknown>>();
          entries.set(move, records as Subject<RecordBatch<unknown>>);
        } else if (node.moves) {
          records = records.pipe(
            moveByKey({ keyOf: node.keyOf!, partitions, isLate: latenessRule(windows, allowedLatenessMs), onLate }),
          );
        }
        const shiftMs = carried ? carriedShiftMs(windows, allowedLatenessMs, node.moves) : undefined;
        const overSource = !state.carried && !node.moves;
        return records.pipe(
          windowAggregate({
            windows,
            trigger,
            keyOf: node.keyOf,
            maxOutOfOrdernessMs,
            allowedLatenessMs,
            aggregate: node.aggregate,
            onLate,
            ...(shiftMs === undefined ? {} : { carriedWatermarkShiftMs: shiftMs }),
          }),
          tap((batch) => {
            if (batch.early !== true) collected.windowsFired += batch.results.length;
            if (node.moves && transport !== undefined) internalSafe.set(batch.partition, batch.safePosition);
            if (!overSource || !committable) return;
            const known = progress.get(batch.partition);
            if (known === undefined || batch.safePosition < known.safePosition) {
              progress.set(batch.partition, {
                watermarkMs: batch.watermarkMs,
                maxTimestampMs: batch.maxTimestampMs,
                safePosition: batch.safePosition,
                nextPosition: batch.nextPosition,
              });
            }
          }),
          map((batch): RecordBatch<WindowResult<unknown, unknown>> => {
            const { results } = batch;
            const timestampsMs = new Array<number>(results.length);
            const recordWatermarksMs = new Array<number>(results.length);
            for (let i = 0; i < results.length; i++) {
              timestampsMs[i] = results[i]!.endMs - 1;
              recordWatermarksMs[i] = results[i]!.watermarkMs;
            }
            const out = { partition: batch.partition, records: results, timestampsMs, recordWatermarksMs, watermarkMs: batch.watermarkMs };
            return batch.early === true ? { ...out, early: true } : out;
          }),
        );
      };

      /**
       * The writer's side of a move through the transport: lateness decided here by the writer's
       * own watermark, each record to its key's partition with an id that rises with every record
       * (the source offset, or the count this partition has sent to the move), and the writer's
       * watermark to every partition once it advanced.
       */
      const send = (move: number, node: WindowNode, isLate: (timeMs: number, watermarkMs: number) => boolean, batch: RecordBatch<unknown>): void => {
        const { partition: writer, move: readFrom } = splitPartition(batch.partition, partitions);
        const counter = readFrom < 0 ? undefined : readers.get(batch.partition)?.sent;
        const { records, timestampsMs, recordWatermarksMs, positions, raws } = batch;
        for (let i = 0; i < records.length; i++) {
          const record = records[i];
          const timeMs = timestampsMs![i]!;
          const watermarkMs = recordWatermarksMs![i]!;
          if (isLate(timeMs, watermarkMs)) {
            onLate({ record, raw: raws?.[i], partition: batch.partition, position: positions?.[i] ?? -1, eventTimeMs: timeMs, watermarkMs });
            continue;
          }
          const target = partitionOfKey(keyIdentity(node.keyOf!(record)), partitions);
          let id: number;
          if (counter === undefined) {
            id = positions![i]!;
          } else {
            id = (counter[move] ?? 0) + 1;
            counter[move] = id;
          }
          if (!replaying) transport!.send(move, target, { kind: 'record', writer, id, timeMs, watermarkMs, record });
        }
        if (replaying) return;
        const key = `${move}:${batch.partition}`;
        const sentMs = sentWatermarks.get(key) ?? -Infinity;
        const watermarkMs = Math.max(batch.watermarkMs ?? -Infinity, sentMs);
        if (batch.idle === true) {
          if (idleWriters.has(key)) return;
          idleWriters.add(key);
          for (let target = 0; target < partitions; target++) transport!.send(move, target, { kind: 'watermark', writer, watermarkMs, idle: true });
          return;
        }
        // Back from idleness: it holds the minimum back again, from where it stands.
        const back = batch.idle === false && idleWriters.delete(key);
        if (!back && !(watermarkMs > sentMs)) return;
        sentWatermarks.set(key, watermarkMs);
        for (let target = 0; target < partitions; target++) transport!.send(move, target, { kind: 'watermark', writer, watermarkMs });
      };

      const collect = (node: OutputNode, batch: RecordBatch<unknown>, state: StreamState): void => {
        if (replaying) return;
        const { output } = node;
        // JSON lines are not replaced as points are: early results go to points only.
        if (batch.early === true && output.kind === 'records') return;
        const { records, timestampsMs, positions } = batch;
        // A replay after a restore rebuilds windows; records that reach an output without one were written before.
        const firstNew = state.positioned && positions !== undefined && batch.replayedBefore !== undefined ? firstAtOrAfter(positions, batch.replayedBefore) : 0;
        if (output.kind === 'records') {
          const withOrigin = state.positioned && positions !== undefined;
          const written = context.writtenRecordOutputs?.has(output.name) ?? true;
          for (let i = firstNew; i < records.length; i++) {
            const origin = withOrigin ? { partition: batch.partition, position: positions[i]! } : undefined;
            const json = output.toJson(records[i], origin);
            // As toPoints returning undefined: nothing to write for this record. A record for an
            // output the run does not write is counted as its line would be, without the line.
            const line = written || hasToJson(json) ? JSON.stringify(json) : countedOnly(json);
            if (line !== undefined) collected.lines.push({ output: output.name, line });
          }
          return;
        }
        // With early firings, each point after a window says whether it is the final one (an early one shares its series and time).
        const final = earlyEveryMs !== Infinity && !state.positioned ? batch.early !== true : undefined;
        for (let i = firstNew; i < records.length; i++) {
          const record = records[i];
          let stamped: PointFactory;
          if (output.stampedAt === 'windowStart' && state.windowResults) {
            const { startMs, partition } = record as WindowResult<unknown, unknown>;
            if (state.perPartition) {
              const partitionTag = String(partition);
              stamped = (measurement) => new Point(measurement, startMs).tag('partition', partitionTag);
            } else {
              stamped = (measurement) => new Point(measurement, startMs);
            }
          } else {
            const timeMs = timestampsMs![i]!;
            stamped = (measurement) => new Point(measurement, timeMs);
          }
          const point: PointFactory = final === undefined ? stamped : (measurement) => stamped(measurement).booleanField('final', final);
          const made = output.toPoints(record, point);
          if (made instanceof Point) collected.points.push(made);
          else if (made !== undefined) for (const one of made) collected.points.push(one);
        }
      };

      const decoded = root.pipe(
        markReplays(),
        graph.source.format.decode(context.onInvalid) as OperatorFunction<RecordBatch<string | Uint8Array>, RecordBatch<unknown>>,
        map((batch) => {
          if (!trackOwnWatermark) return batch;
          let watermarks = ownWatermarks.get(batch.partition);
          if (watermarks === undefined || batch.restore !== undefined) {
            ownWatermarks.set(batch.partition, (watermarks = new BoundedOutOfOrdernessWatermarks(sourceBoundMs)));
            // Through a transport the source commits at the end of what it read: its watermark resumes there.
            if (batch.restore) watermarks.onEvent(batch.restore.maxTimestampMs);
          }
          const times = batch.timestampsMs ?? [];
          if (!stampsSourceWatermark) {
            for (let i = 0; i < times.length; i++) watermarks.onEvent(times[i]!);
            return batch;
          }
          if (!moves) {
            // Windows behind a filter: what a filter that drops records needs to give the records
            // it keeps the source's watermark (see `sourceClock`); most batches drop none.
            const sourceClock = { maxTimestampMs: watermarks.maxTimestampMs, maxOutOfOrdernessMs: sourceBoundMs };
            for (let i = 0; i < times.length; i++) watermarks.onEvent(times[i]!);
            return { ...batch, sourceClock, watermarkMs: watermarks.watermarkMs };
          }
          // The source's watermark, before any filter: a move judges each record by it, and a
          // partition whose records a filter drops still moves the minimum on.
          const recordWatermarksMs = new Array<number>(times.length);
          for (let i = 0; i < times.length; i++) {
            recordWatermarksMs[i] = watermarks.watermarkMs;
            watermarks.onEvent(times[i]!);
          }
          // A bounded input's end: every window after the move may fire, as far as this writer goes.
          const watermarkMs = batch.endOfInput === true && transport !== undefined ? Infinity : watermarks.watermarkMs;
          // Records after an idle spell: the writer holds the watermark after the move back again.
          return times.length > 0 && transport !== undefined ? { ...batch, recordWatermarksMs, watermarkMs, idle: false } : { ...batch, recordWatermarksMs, watermarkMs };
        }),
      );
      wire(graph.source, decoded, { windowResults: false, perPartition: true, carried: false, positioned: true });

      /** A batch of an internal topic's partition: through its reader, to the window after the move. */
      const readMoved = (batch: RecordBatch<string | Uint8Array>, move: number): void => {
        const entry = entries.get(move);
        if (entry === undefined) throw new RangeError(`a batch of partition ${batch.partition} reached a job with ${entries.size} moves`);
        if (batch.revoked === true) {
          readers.delete(batch.partition);
          internalSafe.delete(batch.partition);
          entry.next(batch as RecordBatch<unknown>);
          return;
        }
        let reader = readers.get(batch.partition);
        let restore: PartitionCheckpoint | null | undefined;
        if (reader === undefined || batch.restore !== undefined) {
          const committed = batch.restore?.moved?.position;
          const first = batch.positions?.[0];
          if (committed !== undefined && first !== undefined && first > committed) throw new InternalTopicGapError(where(move), committed, first);
          reader = new MovedPartitionReader(batch.partition, partitions, where(move), batch.restore ?? null);
          readers.set(batch.partition, reader);
          for (const key of [...sentWatermarks.keys()]) if (key.endsWith(`:${batch.partition}`)) sentWatermarks.delete(key);
          for (const key of [...idleWriters]) if (key.endsWith(`:${batch.partition}`)) idleWriters.delete(key);
          // The window after the move starts afresh: the reader replays what it needs.
          restore = null;
        }
        reader.read(batch.records, batch.positions ?? [], ({ batch: moved, replaying: replay }) => {
          replaying = replay;
          try {
            entry.next(restore === undefined ? moved : { ...moved, restore });
          } finally {
            replaying = false;
          }
          restore = undefined;
        });
      };

      const take = (partition: number, batch: RecordBatch<unknown> | undefined): JobOutput => {
        const done = collected;
        collected = { points: [], lines: [], windowsFired: 0, lateRecords: 0 };
        const known = progress.get(partition);
        progress.delete(partition);
        if (batch !== undefined) {
          const end = endPositionOf(batch);
          if (end !== undefined) lastRead.set(partition, end);
        }
        const read = lastRead.get(partition);
        const reader = readers.get(partition);
        if (reader !== undefined) {
          const moved = reader.commitFor(internalSafe.get(partition) ?? read ?? 0);
          if (moved !== undefined) {
            const reportedMoved: Progress = { watermarkMs: reader.currentWatermarkMs, maxTimestampMs: -Infinity, safePosition: moved.position, nextPosition: read ?? moved.position, moved };
            return output(partition, done, reportedMoved);
          }
        }
        const own = ownWatermarks.get(partition);
        const reported: Progress = known ?? {
          watermarkMs: own?.watermarkMs ?? -Infinity,
          maxTimestampMs: own?.maxTimestampMs ?? -Infinity,
          safePosition: read ?? 0,
          nextPosition: read ?? 0,
        };
        return output(partition, done, reported);
      };
      const output = (partition: number, done: Collected, reported: Progress): JobOutput => ({
        partition,
        points: done.points,
        ...(done.lines.length === 0 ? {} : { recordLines: done.lines }),
        windowsFired: done.windowsFired,
        lateRecords: done.lateRecords,
        ...reported,
      });

      const seen = new Set<number>();
      // Each tick asks the windows over each source partition read so far for their early results.
      const ticks =
        earlyEveryMs === Infinity
          ? undefined
          : interval(earlyEveryMs, context.scheduler ?? asyncScheduler).subscribe(() => {
              for (const partition of [...seen].sort((a, b) => a - b)) {
                if (partition >= partitions && transport !== undefined) continue;
                root.next({ partition, records: [], early: true });
                if (failure !== undefined) {
                  subscriber.error(failure.error);
                  return;
                }
                if (collected.points.length > 0) subscriber.next(take(partition, undefined));
              }
            });
      const subscription = source.subscribe({
        next(batch) {
          const move = transport === undefined ? -1 : splitPartition(batch.partition, partitions).move;
          if (move < 0) {
            root.next(batch);
          } else {
            try {
              readMoved(batch, move);
            } catch (error) {
              fail(error);
            }
          }
          if (failure !== undefined) {
            subscriber.error(failure.error);
          } else if (batch.revoked === true) {
            // Its windows were dropped unfired and its new owner re-reads them: nothing to report or commit.
            for (const known of [seen, progress, lastRead, ownWatermarks, readers, internalSafe]) known.delete(batch.partition);
          } else if (batch.idle === true) {
            // Nothing read, nothing to commit: only its watermark markers went out.
          } else {
            seen.add(batch.partition);
            subscriber.next(take(batch.partition, batch));
            // Its windows fired and its progress went out with this batch: the end of the whole
            // input has nothing to add, and a report without the windows' checkpoint would lose it.
            if (batch.endOfInput === true) seen.delete(batch.partition);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          root.complete();
          for (const entry of entries.values()) entry.complete();
          if (failure !== undefined) {
            subscriber.error(failure.error);
            return;
          }
          // The last firings (end of input) go out with the first partition; each partition its own progress.
          const ordered = [...seen].sort((a, b) => a - b);
          for (const partition of ordered) subscriber.next(take(partition, undefined));
          if (ordered.length === 0 && (collected.points.length > 0 || collected.lines.length > 0)) subscriber.next(take(0, undefined));
          subscriber.complete();
        },
      });
      return () => {
        ticks?.unsubscribe();
        subscription.unsubscribe();
        root.complete();
      };
    });
}

/**
 * How far a window over a carried watermark (after a move, or over window results) holds it
 * back, so that it fires once, whole, and never depends on how its writers interleave:
 * - sessions: a record on time at its writer (`t + gap − 1 + lateness > its watermark`) can
 *   still touch a session `[start, end)` while `t <= end`; once every writer is at
 *   `end + gap − 1 + lateness` none can, so they wait `gap + lateness`;
 * - aligned windows after a move wait out their allowed lateness instead of firing again
 *   for each record in it: a first firing would otherwise hold whichever writers came first.
 */
function carriedShiftMs(windows: WindowAssigner, allowedLatenessMs: number, moved: boolean): number {
  if (windows.kind === 'session') return windows.gapMs + allowedLatenessMs;
  return moved ? allowedLatenessMs : 0;
}

/** Whether a per-record step (a filter may drop records) stands between the source and `window`. */
function readsThroughStage(window: WindowNode): boolean {
  for (let at: PlanNode | undefined = window.parent; at !== undefined && at.kind !== 'source'; at = parentOf(at)) {
    if (at.kind === 'stage') return true;
  }
  return false;
}

/** The index of the first position at or after `from` (positions ascend). */
function firstAtOrAfter(positions: readonly number[], from: number): number {
  if (positions.length === 0 || positions[0]! >= from) return 0;
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (positions[mid]! < from) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Whether `value` decides its own JSON text (`toJSON`), which may be none. */
function hasToJson(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** For a record that is counted, not written: an empty line where JSON.stringify would give one, else undefined. */
function countedOnly(json: unknown): string | undefined {
  return json === undefined || typeof json === 'function' || typeof json === 'symbol' ? undefined : '';
}
