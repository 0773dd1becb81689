import type { ValidationFailure } from '../events/validateClickEvent.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import { endPositionOf, type RecordStage } from './RecordStage.js';

/**
 * Keeps the records `keep` returns `null` for. With `deadLetter`, each dropped record goes to
 * the dead-letter output with the returned reason (once: not again when a restore replays
 * it); without, it is dropped on purpose, unreported.
 */
export function filterStage<T>(keep: (record: T) => ValidationFailure | null, deadLetter: boolean): RecordStage {
  return (context) => {
    const replayUntil = new Map<number, number>();
    return (input) => {
      const batch = input as RecordBatch<T>;
      if (batch.restore !== undefined) replayUntil.set(batch.partition, batch.restore?.replayUntil ?? -Infinity);
      const replayedBefore = replayUntil.get(batch.partition) ?? -Infinity;
      const { records, positions, timestampsMs, raws, partition } = batch;
      const kept: T[] = [];
      const keptPositions: number[] | undefined = positions === undefined ? undefined : [];
      const keptTimes: number[] | undefined = timestampsMs === undefined ? undefined : [];
      const keptRaws: (string | Uint8Array)[] | undefined = raws === undefined ? undefined : [];
      let refused: number[] | undefined;
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        const failure = keep(record);
        if (failure === null) {
          kept.push(record);
          keptPositions?.push(positions![i]!);
          keptTimes?.push(timestampsMs![i]!);
          keptRaws?.push(raws![i]!);
        } else if (deadLetter) {
          const position = positions?.[i] ?? -1;
          if (position >= replayedBefore) {
            context.onInvalid({ raw: raws?.[i] ?? JSON.stringify(record), reason: failure.reason, detail: failure.detail, partition, position });
            (refused ??= []).push(position);
          }
        }
      }
      const out: RecordBatch<T> = { ...batch, records: kept, positions: keptPositions, timestampsMs: keptTimes, raws: keptRaws };
      if (refused !== undefined) Object.assign(out, { invalidPositions: mergeAscending(batch.invalidPositions, refused) });
      const endPosition = endPositionOf(batch);
      return endPosition === undefined ? out : { ...out, endPosition };
    };
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
