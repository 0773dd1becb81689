import { InvalidArgumentError } from 'commander';
import { parseIsoTime } from '../time/parseIsoTime.js';

/** Commander parser for an ISO-8601 time option (`2026-12-06T10:00:00Z`), in epoch milliseconds. */
export function isoTimeArgument(text: string): number {
  const ms = parseIsoTime(text);
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`"${text}" is not an ISO-8601 time; write e.g. 2026-12-06T10:00:00Z (UTC unless an offset is given).`);
  return ms;
}
