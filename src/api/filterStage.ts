import type { ValidationFailure } from '../events/validateClickEvent.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import { endPositionOf, type RecordStage } from './RecordStage.js';

/**
 * Keeps the records `keep` returns `null` for. With `deadLetter`, each dropped record goes to
 * the dead-letter output with the returned reason (once: not again when a restore replays
 * it); without, it is dropped on purpose, unreported.
 */
export function filterStage<T>(keep: (record: T) => ValidationFailure | null, deadLetter: boolean): RecordStage {
  return (context) => (input) => {
    const batch = input as RecordBatch<T>;
    const replayedBefore = batch.replayedBefore ?? -Infinity;
    const { records, positions, timestampsMs, raws, recordWatermarksMs, partition, sourceClock } = batch;
    // The source's watermark before each record, for the records kept once one is dropped.
    const clocked = recordWatermarksMs === undefined && sourceClock !== undefined && timestampsMs !== undefined;
    const lagMs = clocked ? sourceClock.maxOutOfOrdernessMs + 1 : 0;
    let maxMs = clocked ? sourceClock.maxTimestampMs : -Infinity;
    // Copied from the first dropped record on: a batch that keeps everything passes its arrays on.
    let kept: T[] | undefined;
    let keptPositions: number[] | undefined;
    let keptTimes: number[] | undefined;
    let keptRaws: (string | Uint8Array)[] | undefined;
    let keptWatermarks: number[] | undefined;
    let refused: number[] | undefined;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const failure = keep(record);
      const sourceWatermarkMs = maxMs - lagMs;
      if (clocked && timestampsMs[i]! > maxMs) maxMs = timestampsMs[i]!;
      if (failure === null) {
        if (kept !== undefined) {
          kept.push(record);
          keptPositions?.push(positions![i]!);
          keptTimes?.push(timestampsMs![i]!);
          keptRaws?.push(raws![i]!);
          keptWatermarks?.push(clocked ? sourceWatermarkMs : recordWatermarksMs![i]!);
        }
        continue;
      }
      if (kept === undefined) {
        kept = records.slice(0, i);
        keptPositions = positions?.slice(0, i);
        keptTimes = timestampsMs?.slice(0, i);
        keptRaws = raws?.slice(0, i);
        keptWatermarks = clocked ? sourceWatermarksBefore(timestampsMs, i, sourceClock.maxTimestampMs, lagMs) : recordWatermarksMs?.slice(0, i);
      }
      if (deadLetter) {
        const position = positions?.[i] ?? -1;
        if (position >= replayedBefore) {
          context.onInvalid({ raw: raws?.[i] ?? JSON.stringify(record), reason: failure.reason, detail: failure.detail, partition, position });
          (refused ??= []).push(position);
        }
      }
    }
    const out: { -readonly [P in keyof RecordBatch<T>]: RecordBatch<T>[P] } =
      kept === undefined
        ? { ...batch }
        : { ...batch, records: kept, positions: keptPositions, timestampsMs: keptTimes, raws: keptRaws, recordWatermarksMs: keptWatermarks };
    if (refused !== undefined) out.invalidPositions = mergeAscending(batch.invalidPositions, refused);
    const endPosition = endPositionOf(batch);
    if (endPosition !== undefined) out.endPosition = endPosition;
    return out;
  };
}

/** The positions of both lists in one ascending list. */
function mergeAscending(a: readonly number[] | undefined, b: readonly number[]): readonly number[] {
  if (a === undefined || a.length === 0) return b;
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) merged.push(j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!);
  return merged;
}

/** The watermark `maxTimestamp − lag` before each of the first `count` records, from `maxTimestampMs` on. */
function sourceWatermarksBefore(timestampsMs: readonly number[], count: number, maxTimestampMs: number, lagMs: number): number[] {
  const watermarks = new Array<number>(count);
  let maxMs = maxTimestampMs;
  for (let i = 0; i < count; i++) {
    watermarks[i] = maxMs - lagMs;
    if (timestampsMs[i]! > maxMs) maxMs = timestampsMs[i]!;
  }
  return watermarks;
}
