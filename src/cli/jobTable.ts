const HEADER = ['ID', 'NAME', 'STATE', 'RESTARTS', 'RECORDS IN', 'POINTS OUT', 'SUBMITTED'];

/**
 * C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
 * overrides and isolates: each would break a row, move the cursor, recolour the terminal or
 * reorder what follows. A job's name is whatever was submitted (a module's path, say).
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every unprintable character written as an escape (`\n`, `\x1b`, `\u202e`). */
export function escapeUnprintable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => NAMED[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** `clickflow list`'s table: one row per job, columns padded, one line per row whatever the jobs hold. */
export function jobTable(jobs: readonly Record<string, unknown>[]): string {
  const rows = jobs.map((j) => [j.id, j.name, j.state, j.restarts, j.recordsIn, j.pointsOut, j.submittedAt].map((cell) => escapeUnprintable(String(cell))));
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(HEADER), ...rows.map(line)].join('\n')}\n`;
}
