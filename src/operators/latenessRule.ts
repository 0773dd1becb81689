import type { WindowAssigner } from './WindowAssigner.js';
import { windowStart } from './windowStart.js';

/**
 * Whether a record at `timeMs` is late under `watermarkMs` for windows of `assigner`: every
 * window it belongs to is past `end - 1 + allowedLatenessMs` (for sessions, its own window
 * `[t, t + gap)`). The rule the window operators apply, given to a move so that lateness is
 * decided at the source partition, in its own order, before records of many partitions meet.
 */
export function latenessRule(assigner: WindowAssigner, allowedLatenessMs: number): (timeMs: number, watermarkMs: number) => boolean {
  if (assigner.kind === 'session') {
    const lastMs = assigner.gapMs - 1 + allowedLatenessMs;
    return (timeMs, watermarkMs) => timeMs + lastMs <= watermarkMs;
  }
  const { sizeMs, slideMs, offsetMs } = assigner;
  const lastMs = sizeMs - 1 + allowedLatenessMs;
  return (timeMs, watermarkMs) => windowStart(timeMs, offsetMs, slideMs) + lastMs <= watermarkMs;
}
