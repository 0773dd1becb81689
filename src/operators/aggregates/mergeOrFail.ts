import { ConfigError } from '../../errors/ConfigError.js';
import type { AggregateFunction } from '../AggregateFunction.js';

/** Merges with the aggregate's own `merge`; one without it cannot serve merging windows. */
export function mergeOrFail<ACC>(aggregate: AggregateFunction<any, ACC, any>, a: ACC, b: ACC): ACC {
  if (aggregate.merge === undefined) {
    throw new ConfigError('aggregate', 'session windows merge accumulators: give the AggregateFunction a merge(a, b)');
  }
  return aggregate.merge(a, b);
}
