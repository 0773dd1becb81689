import { existsSync, readFileSync } from 'node:fs';

/** The lines of a file, or none when it does not exist. */
export function linesOf(path: string): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/**
 * Lines lost or repeated in `actual` compared with `expected`, as multisets: partitions
 * interleave differently from run to run, so the order of lines differs, their counts must not.
 */
export function lineDifferences(actual: readonly string[], expected: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const line of expected) counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const line of actual) counts.set(line, (counts.get(line) ?? 0) - 1);
  let differences = 0;
  for (const n of counts.values()) differences += Math.abs(n);
  return differences;
}

/** The first `limit` lines `actual` holds more often than `expected` (repeated or extra), then those it holds less often (lost): what a failure shows. */
export function sampleOfDifferences(actual: readonly string[], expected: readonly string[], limit = 5): string {
  const counts = new Map<string, number>();
  for (const line of expected) counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const line of actual) counts.set(line, (counts.get(line) ?? 0) - 1);
  const extra = [...counts].filter(([, n]) => n < 0).slice(0, limit).map(([line, n]) => `+${-n} ${line}`);
  const lost = [...counts].filter(([, n]) => n > 0).slice(0, limit).map(([line, n]) => `-${n} ${line}`);
  return [...extra, ...lost].join('\n');
}
