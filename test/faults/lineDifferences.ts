import { existsSync, readFileSync } from 'node:fs';

/** The lines of a file, or none when it does not exist. */
export function linesOf(path: string): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/**
 * The line with what a restart may change in a `job_health` line left out: its watermark lag is
 * the wall clock's, and its late and invalid counts may miss those read between the last firing
 * and the commit (README, "Guarantees"). Series, time and window record count stay. Any other
 * line is returned as it is.
 */
export function withoutRestartVariance(line: string): string {
  return line.replace(/^(job_health,\S+ )(records=\d+i),.* (\d+)$/, '$1$2 $3');
}

/** Per line, how many more times `expected` holds it than `actual` (negative: `actual` repeats it). */
function countDifferences(actual: readonly string[], expected: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of expected) counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const line of actual) counts.set(line, (counts.get(line) ?? 0) - 1);
  return counts;
}

/**
 * Lines lost or repeated in `actual` compared with `expected`, as multisets: partitions
 * interleave differently from run to run, so the order of lines differs, their counts must not.
 */
export function lineDifferences(actual: readonly string[], expected: readonly string[]): number {
  let differences = 0;
  for (const n of countDifferences(actual, expected).values()) differences += Math.abs(n);
  return differences;
}

/** The first `limit` lines `actual` holds more often than `expected` (repeated or extra), then those it holds less often (lost): what a failure shows. */
export function sampleOfDifferences(actual: readonly string[], expected: readonly string[], limit = 5): string {
  const counts = [...countDifferences(actual, expected)];
  const extra = counts.filter(([, n]) => n < 0).slice(0, limit).map(([line, n]) => `+${-n} ${line}`);
  const lost = counts.filter(([, n]) => n > 0).slice(0, limit).map(([line, n]) => `-${n} ${line}`);
  return [...extra, ...lost].join('\n');
}
