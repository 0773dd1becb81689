import type { RecordBatch } from '../operators/RecordBatch.js';
import type { RecordStage } from './RecordStage.js';

/** Replaces each record by `fn(record)`; positions, event times and raw records are kept. */
export function mapStage<T, U>(fn: (record: T) => U): RecordStage {
  return () => (input) => {
    const batch = input as RecordBatch<T>;
    const { records } = batch;
    const mapped = new Array<U>(records.length);
    for (let i = 0; i < records.length; i++) mapped[i] = fn(records[i]!);
    return { ...batch, records: mapped };
  };
}
