import { map, Observable, share, Subject, tap, type OperatorFunction } from 'rxjs';
import type { JobContext, JobParameters } from '../jobs/Job.js';
import type { JobOutput, RecordLine } from '../jobs/JobOutput.js';
import { BoundedOutOfOrdernessWatermarks } from '../operators/BoundedOutOfOrdernessWatermarks.js';
import { latenessRule } from '../operators/latenessRule.js';
import { moveByKey } from '../operators/moveByKey.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import { windowAggregate } from '../operators/windowAggregate.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import type { LateRecord, WindowedBatch, WindowResult } from '../operators/WindowResult.js';
import { Point } from '../points/Point.js';
import type { JobGraph } from './JobGraph.js';
import type { OutputNode, PlanNode, PointFactory, WindowNode } from './PlanNode.js';
import { endPositionOf } from './RecordStage.js';

/** What the steps produced while one source batch went through the graph. */
interface Collected {
  points: Point[];
  lines: RecordLine[];
  windowsFired: number;
  lateRecords: number;
}

/** A partition's progress as the windows over the source report it. */
type Progress = Pick<WindowedBatch<unknown>, 'watermarkMs' | 'maxTimestampMs' | 'safePosition' | 'nextPosition'>;

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
 * needs; a job that moves records or windows window results runs without commits (see
 * `Job.notResumable`), so its progress is simply how far it read.
 */
export function compileJobGraph(graph: JobGraph, parameters: JobParameters, context: JobContext): OperatorFunction<RecordBatch<string | Uint8Array>, JobOutput> {
  const children = graph.children();
  const windowsOverSource = graph.windowsOverSource();
  const moves = graph.windowNodes().some((window) => window.moves);
  const partitions = context.sourcePartitions ?? 1;
  const committable = graph.notResumable === undefined;

  return (source) =>
    new Observable<JobOutput>((subscriber) => {
      let collected: Collected = { points: [], lines: [], windowsFired: 0, lateRecords: 0 };
      // Per source partition: the progress the windows over the source reported for the batch.
      const progress = new Map<number, Progress>();
      const ownWatermarks = new Map<number, BoundedOutOfOrdernessWatermarks>();
      const replayUntil = new Map<number, number>();
      const lastRead = new Map<number, number>();
      const sourceBoundMs = graph.maxOutOfOrdernessMs(parameters);
      const trackOwnWatermark = moves || !committable || windowsOverSource.length === 0;
      const onLate = (late: LateRecord<unknown>) => {
        collected.lateRecords++;
        context.onLate(late);
      };
      const root = new Subject<RecordBatch<string | Uint8Array>>();
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
        let records = input;
        const carried = state.carried || node.moves;
        if (node.moves) {
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
            collected.windowsFired += batch.results.length;
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
            return { partition: batch.partition, records: results, timestampsMs, recordWatermarksMs, watermarkMs: batch.watermarkMs };
          }),
        );
      };

      const collect = (node: OutputNode, batch: RecordBatch<unknown>, state: StreamState): void => {
        const { output } = node;
        const { records, timestampsMs, positions } = batch;
        // A replay after a restore rebuilds windows; records that reach an output without one were written before.
        const firstNew = state.positioned && positions !== undefined ? firstAtOrAfter(positions, replayUntil.get(batch.partition) ?? -Infinity) : 0;
        if (output.kind === 'records') {
          const withOrigin = state.positioned && positions !== undefined;
          for (let i = firstNew; i < records.length; i++) {
            const origin = withOrigin ? { partition: batch.partition, position: positions[i]! } : undefined;
            // As toPoints returning undefined: nothing to write for this record.
            const line = JSON.stringify(output.toJson(records[i], origin));
            if (line !== undefined) collected.lines.push({ output: output.name, line });
          }
          return;
        }
        for (let i = firstNew; i < records.length; i++) {
          const record = records[i];
          let point: PointFactory;
          if (output.stampedAt === 'windowStart' && state.windowResults) {
            const result = record as WindowResult<unknown, unknown>;
            point = state.perPartition
              ? (measurement) => new Point(measurement, result.startMs).tag('partition', String(result.partition))
              : (measurement) => new Point(measurement, result.startMs);
          } else {
            const timeMs = timestampsMs![i]!;
            point = (measurement) => new Point(measurement, timeMs);
          }
          const made = output.toPoints(record, point);
          if (made instanceof Point) collected.points.push(made);
          else if (made !== undefined) for (const one of made) collected.points.push(one);
        }
      };

      const decoded = root.pipe(
        tap((batch) => {
          if (batch.restore !== undefined) replayUntil.set(batch.partition, batch.restore?.replayUntil ?? -Infinity);
        }),
        graph.source.format.decode(context.onInvalid) as OperatorFunction<RecordBatch<string | Uint8Array>, RecordBatch<unknown>>,
        map((batch) => {
          if (!trackOwnWatermark) return batch;
          let watermarks = ownWatermarks.get(batch.partition);
          if (watermarks === undefined) ownWatermarks.set(batch.partition, (watermarks = new BoundedOutOfOrdernessWatermarks(sourceBoundMs)));
          const times = batch.timestampsMs ?? [];
          if (!moves) {
            for (let i = 0; i < times.length; i++) watermarks.onEvent(times[i]!);
            return batch;
          }
          // The source's watermark, before any filter: a move judges each record by it, and a
          // partition whose records a filter drops still moves the minimum on.
          const recordWatermarksMs = new Array<number>(times.length);
          for (let i = 0; i < times.length; i++) {
            recordWatermarksMs[i] = watermarks.watermarkMs;
            watermarks.onEvent(times[i]!);
          }
          return { ...batch, recordWatermarksMs, watermarkMs: watermarks.watermarkMs };
        }),
      );
      wire(graph.source, decoded, { windowResults: false, perPartition: true, carried: false, positioned: true });

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
        const own = ownWatermarks.get(partition);
        const reported: Progress = known ?? {
          watermarkMs: own?.watermarkMs ?? -Infinity,
          maxTimestampMs: own?.maxTimestampMs ?? -Infinity,
          safePosition: read ?? 0,
          nextPosition: read ?? 0,
        };
        return {
          partition,
          points: done.points,
          ...(done.lines.length === 0 ? {} : { recordLines: done.lines }),
          windowsFired: done.windowsFired,
          lateRecords: done.lateRecords,
          ...reported,
        };
      };

      const seen = new Set<number>();
      const subscription = source.subscribe({
        next(batch) {
          root.next(batch);
          if (failure !== undefined) {
            subscriber.error(failure.error);
          } else if (batch.revoked === true) {
            // Its windows were dropped unfired and its new owner re-reads them: nothing to report or commit.
            for (const known of [seen, progress, lastRead, ownWatermarks, replayUntil]) known.delete(batch.partition);
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
