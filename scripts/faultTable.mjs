import { existsSync, readFileSync } from 'node:fs';

const COLUMNS = [
  ['scenario', 'scenario'],
  ['sent', 'events sent'],
  ['counted', 'counted'],
  ['invalid', 'invalid'],
  ['late', 'late'],
  ['windowsCompared', 'windows compared'],
  ['mismatches', 'mismatches'],
];

/**
 * The fault tests' report (one JSON line per scenario, see test/faults/faultReport.ts) as a
 * table; `undefined` when no fault test wrote a row.
 */
export function faultTable(path) {
  if (!existsSync(path)) return undefined;
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
  if (rows.length === 0) return undefined;
  const cells = [COLUMNS.map(([, title]) => title), ...rows.map((row) => COLUMNS.map(([key]) => String(row[key] ?? '?')))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const format = (r) => `| ${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [format(cells[0]), rule, ...cells.slice(1).map(format)].join('\n');
}
