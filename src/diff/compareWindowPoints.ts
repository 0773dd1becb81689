import type { WindowPoints } from './WindowPoints.js';

/** One point whose fields differ between the two targets. */
export interface DifferingWindow {
  readonly window: string;
  /** Each field that differs, with its value in each target as line protocol writes it (`undefined`: absent there). */
  readonly fields: readonly { readonly field: string; readonly a: string | undefined; readonly b: string | undefined }[];
}

/** How two targets compare, window by window. */
export interface DiffReport {
  readonly equal: number;
  readonly differing: readonly DifferingWindow[];
  readonly onlyInA: readonly string[];
  readonly onlyInB: readonly string[];
}

/** Compares `a` with `b` point by point; every list is sorted by window. */
export function compareWindowPoints(a: WindowPoints, b: WindowPoints): DiffReport {
  let equal = 0;
  const differing: DifferingWindow[] = [];
  const onlyInA: string[] = [];
  for (const [window, fieldsA] of a) {
    const fieldsB = b.get(window);
    if (fieldsB === undefined) {
      onlyInA.push(window);
      continue;
    }
    const fields: { field: string; a: string | undefined; b: string | undefined }[] = [];
    for (const field of [...new Set([...fieldsA.keys(), ...fieldsB.keys()])].sort()) {
      const [valueA, valueB] = [fieldsA.get(field), fieldsB.get(field)];
      if (valueA !== valueB) fields.push({ field, a: valueA, b: valueB });
    }
    if (fields.length === 0) equal++;
    else differing.push({ window, fields });
  }
  const onlyInB = [...b.keys()].filter((window) => !a.has(window));
  const byWindow = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return {
    equal,
    differing: differing.sort((x, y) => byWindow(x.window, y.window)),
    onlyInA: onlyInA.sort(byWindow),
    onlyInB: onlyInB.sort(byWindow),
  };
}
