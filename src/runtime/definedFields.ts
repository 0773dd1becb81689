/**
 * The object without its undefined fields: a spec built from flags or JSON then reads the same
 * after a JSON round trip (to a worker, through the state file), and compares equal to it.
 */
export function definedFields<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
