/**
 * A point as plain data (JSON for a live view): fields by name with their values, `timeMs` in
 * epoch ms. Type-only with no imports, so the live page's own build imports it too.
 */
export interface PointData {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, number | string | boolean>>;
  readonly timeMs: number;
}
