import { ConfigError } from '../../errors/ConfigError.js';
import type { AggregateFunction } from '../AggregateFunction.js';

/**
 * Marks a composite aggregate (`combine`, `keyedBy`) one of whose parts has no `merge`: its own
 * `merge` exists only to name that part, so merging windows refuse it when they are built.
 */
const PART_WITHOUT_MERGE = Symbol('partWithoutMerge');

/** Whether the aggregate can serve merging windows: it has a `merge`, and so do its parts. */
export function canMerge(aggregate: AggregateFunction<any, any, any>): boolean {
  return aggregate.merge !== undefined && !(PART_WITHOUT_MERGE in aggregate);
}

/** The composite aggregate, marked when one of `parts` cannot merge. */
export function composedOf<AGG extends AggregateFunction<any, any, any>>(aggregate: AGG, parts: readonly AggregateFunction<any, any, any>[]): AGG {
  if (!parts.every(canMerge)) Object.defineProperty(aggregate, PART_WITHOUT_MERGE, { value: true });
  return aggregate;
}

/** Refuses an aggregate without `merge` (or with a part without one) where windows merge (sessions). */
export function requireMerge(aggregate: AggregateFunction<any, any, any>): void {
  if (!canMerge(aggregate)) {
    throw new ConfigError('aggregate', 'session windows merge accumulators: give the AggregateFunction a merge(a, b)');
  }
}

/** Merges with the aggregate's own `merge`; one without it cannot serve merging windows. */
export function mergeOrFail<ACC>(aggregate: AggregateFunction<any, ACC, any>, a: ACC, b: ACC): ACC {
  requireMerge(aggregate);
  return aggregate.merge!(a, b);
}
