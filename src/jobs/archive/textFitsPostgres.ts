import type { ValidationFailure } from '../../events/validateClickEvent.js';

/**
 * What the archive job needs to store an event in PostgreSQL: `text` and `jsonb` hold no NUL
 * character, and UTF-8 has no encoding for a lone surrogate (`"\ud800"`). Either would make
 * PostgreSQL refuse the whole batch for good, stopping the job on one record; such an event is
 * dead-lettered as `unstorable_text` instead. Looks at every string and key, nested ones too.
 */
export function textFitsPostgres(value: unknown): ValidationFailure | null {
  const where = unstorableAt(value, '');
  return where === undefined
    ? null
    : { reason: 'unstorable_text', detail: `${where} holds a NUL character or a lone surrogate, which PostgreSQL text cannot store` };
}

/** The path of the first string or key that PostgreSQL cannot store, if any. */
function unstorableAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return unstorable(value) ? path || 'the event' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableAt(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (unstorable(key)) return `a field name in ${path || 'the event'}`;
    const found = unstorableAt((value as Record<string, unknown>)[key], at);
    if (found !== undefined) return found;
  }
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(text: string): boolean {
  return text.includes('\0') || LONE_SURROGATE.test(text);
}
