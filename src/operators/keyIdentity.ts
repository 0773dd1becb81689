import { KeyError } from './KeyError.js';

/**
 * Marks an internal key that stands for a composite key (or for a string that itself begins
 * with the mark): a character no key a user writes would plausibly begin with, and escaped when
 * one does, so that the mapping stays one to one.
 */
const MARK = '\u0001';

/**
 * The value a window operator keys its state by, for a key a job's `keyBy` returned.
 * Strings, finite numbers, booleans and null are their own identity (Maps compare them by
 * value). Arrays and plain objects of those are compared by value too, as their JSON: they
 * become one canonical string (object fields sorted, undefined fields left out, undefined
 * elements null, as JSON does with optional fields), so `[e.url, e.http_status]` groups as users
 * expect instead of by object identity. Anything else (undefined, NaN, a bigint, a Date, a Map,
 * a class instance) is refused.
 *
 * @throws KeyError for a key that has no value identity
 */
export function keyIdentity(key: unknown): unknown {
  if (typeof key === 'string') return key.charCodeAt(0) === 1 ? MARK + key : key;
  if (typeof key === 'number') {
    // NaN is not even equal to itself, and none of the three has a JSON form for an output.
    if (!Number.isFinite(key)) throw new KeyError(String(key));
    return key;
  }
  if (typeof key === 'boolean' || key === null) return key;
  // A misspelt or missing field: all such records would silently share one key.
  if (key === undefined) throw new KeyError('undefined (does the field it reads exist on every record, spelt as in the events?)');
  if (typeof key !== 'object') throw new KeyError(describe(key));
  return MARK + canonical(key);
}

/** The key `keyIdentity` was given (a composite one rebuilt as an equal array or object). */
export function keyOfIdentity<K>(identity: unknown): K {
  if (typeof identity !== 'string' || identity.charCodeAt(0) !== 1) return identity as K;
  return (identity.charCodeAt(1) === 1 ? identity.slice(1) : JSON.parse(identity.slice(1))) as K;
}

/** Whether a result's key needs `keyOfIdentity` to be read back: one compare per result. */
export function isMarkedIdentity(identity: unknown): boolean {
  return typeof identity === 'string' && identity.charCodeAt(0) === 1;
}

function canonical(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new KeyError(`a composite key holding ${value}`);
      return JSON.stringify(value);
    case 'object': {
      // As JSON: an undefined element is null, an undefined field is absent.
      if (Array.isArray(value)) return `[${value.map((element: unknown) => (element === undefined ? 'null' : canonical(element))).join(',')}]`;
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) throw new KeyError(describe(value));
      const fields = Object.keys(value)
        .filter((f) => (value as Record<string, unknown>)[f] !== undefined)
        .sort();
      return `{${fields.map((f) => `${JSON.stringify(f)}:${canonical((value as Record<string, unknown>)[f])}`).join(',')}}`;
    }
    default:
      throw new KeyError(`a composite key holding ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) return `a ${(value as object).constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}
