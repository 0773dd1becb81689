import { rawRecordField } from '../events/rawRecordField.js';
import { isoTimeOrNull } from '../time/isoTimeOrNull.js';
import type { LateRecord } from '../operators/WindowResult.js';

/**
 * One late record as a JSON line: where it came from, its event time, the watermark it
 * missed, and the record exactly as read (`raw`, or `raw_base64` for bytes that are not UTF-8).
 */
export function lateRecordLine(late: LateRecord<unknown>): string {
  return JSON.stringify({
    partition: late.partition,
    position: late.position,
    event_time: isoTime(late.eventTimeMs),
    watermark: isoTime(late.watermarkMs),
    late_by_ms: late.watermarkMs - late.eventTimeMs,
    ...rawRecordField(late.raw ?? JSON.stringify(late.record)),
  });
}

/** ISO-8601 where `Date` can express the time, else the number: a job's own format may assign any. */
function isoTime(ms: number): string | number | null {
  return isoTimeOrNull(ms) ?? (Number.isFinite(ms) ? ms : null);
}
