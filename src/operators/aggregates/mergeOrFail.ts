import { ConfigError } from '../../errors/ConfigError.js';
import type { AggregateFunction } from '../AggregateFunction.js';

/** Refuses an aggregate without `merge` where windows merge (sessions). */
export function requireMerge(aggregate: AggregateFunction<any, any, any>): void {
  if (aggregate.merge === undefined) {
    throw new ConfigError('aggregate', 'session windows merge accumulators: give the AggregateFunction a merge(a, b)');
  }
}

/** Merges with the aggregate's own `merge`; one without it cannot serve merging windows. */
export function mergeOrFail<ACC>(aggregate: AggregateFunction<any, ACC, any>, a: ACC, b: ACC): ACC {
  requireMerge(aggregate);
  return aggregate.merge!(a, b);
}
