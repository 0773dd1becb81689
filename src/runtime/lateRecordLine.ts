import { isUtf8 } from 'node:buffer';
import type { LateRecord } from '../operators/WindowResult.js';

/**
 * One late record as a JSON line: where it came from, its event time, the watermark it
 * missed, and the record exactly as read (`raw`, or `raw_base64` for bytes that are not UTF-8).
 */
export function lateRecordLine(late: LateRecord<unknown>): string {
  const raw = late.raw ?? JSON.stringify(late.record);
  const text = typeof raw === 'string' ? raw : isUtf8(raw) ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8') : undefined;
  return JSON.stringify({
    partition: late.partition,
    position: late.position,
    event_time: isoTime(late.eventTimeMs),
    watermark: isoTime(late.watermarkMs),
    late_by_ms: late.watermarkMs - late.eventTimeMs,
    ...(text !== undefined ? { raw: text } : { raw_base64: Buffer.from(raw as Uint8Array).toString('base64') }),
  });
}

/** ISO-8601 where `Date` can express the time; a job's own format may assign any number. */
function isoTime(ms: number): string | number | null {
  if (!Number.isFinite(ms)) return null;
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : ms;
}
