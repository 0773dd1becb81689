import { MovedRecordError } from './MovedRecordError.js';
import type { MovedMessage } from './MoveTransport.js';

const decoder = new TextDecoder();

/**
 * A {@link MovedMessage} as the JSON text of an internal topic's message. Watermarks may be
 * infinite (none yet, or the end of a bounded input), which JSON numbers cannot hold.
 */
export function encodeMovedMessage(message: MovedMessage): string {
  if (message.kind === 'watermark') return `{"w":${message.writer},"m":${timeJson(message.watermarkMs)}${message.idle === true ? ',"x":1' : ''}}`;
  let record: string | undefined;
  try {
    record = JSON.stringify(message.record);
  } catch (error) {
    throw new MovedRecordError((error as Error).message);
  }
  return `{"w":${message.writer},"i":${message.id},"t":${message.timeMs},"m":${timeJson(message.watermarkMs)},"r":${record ?? 'null'}}`;
}

/** @returns the message, or why it is not one */
export function decodeMovedMessage(value: Uint8Array | string): MovedMessage | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : decoder.decode(value));
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null) return 'not a JSON object';
  const { w, i, t, m, r, x } = parsed as Record<string, unknown>;
  const watermarkMs = timeOf(m);
  if (!Number.isSafeInteger(w) || (w as number) < 0 || watermarkMs === undefined) return 'no writer or watermark';
  if (i === undefined) return x === 1 ? { kind: 'watermark', writer: w as number, watermarkMs, idle: true } : { kind: 'watermark', writer: w as number, watermarkMs };
  if (typeof i !== 'number' || typeof t !== 'number' || !Number.isFinite(t)) return 'a record without its id or time';
  return { kind: 'record', writer: w as number, id: i, timeMs: t, watermarkMs, record: r };
}

function timeJson(timeMs: number): string {
  return Number.isFinite(timeMs) ? String(timeMs) : `"${timeMs}"`;
}

function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === '-Infinity') return -Infinity;
  if (value === 'Infinity') return Infinity;
  return undefined;
}
