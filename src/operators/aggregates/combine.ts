import type { AggregateFunction } from '../AggregateFunction.js';
import { composedOf, mergeOrFail } from './mergeOrFail.js';

type Accumulators<A> = { [K in keyof A]: A[K] extends AggregateFunction<any, infer ACC, any> ? ACC : never };
type Results<A> = { [K in keyof A]: A[K] extends AggregateFunction<any, any, infer OUT> ? OUT : never };

/**
 * Computes several aggregates over the same window in one pass, so that a job needing
 * counts per URL, per status and totals assigns each record to its window once.
 * Emits an object with one result per named aggregate.
 *
 * @example combine({ perUrl: keyedBy((e) => e.url, count()), errors: ratio((e) => (e.http_status ?? 0) >= 400) })
 */
export function combine<IN, A extends Record<string, AggregateFunction<IN, any, any>>>(
  aggregates: A,
): AggregateFunction<IN, Accumulators<A>, Results<A>> {
  const names = Object.keys(aggregates) as (keyof A & string)[];
  const parts = names.map((name) => aggregates[name]!);
  return composedOf({
    createAccumulator() {
      const accs = {} as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) accs[names[i]!] = parts[i]!.createAccumulator();
      return accs as Accumulators<A>;
    },
    add(accs, value) {
      const record = accs as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        record[name] = parts[i]!.add(record[name], value);
      }
      return accs;
    },
    getResult(accs) {
      const results = {} as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        results[name] = parts[i]!.getResult((accs as Record<string, unknown>)[name]);
      }
      return results as Results<A>;
    },
    merge(a, b) {
      const merged = {} as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        merged[name] = mergeOrFail(parts[i]!, (a as Record<string, unknown>)[name], (b as Record<string, unknown>)[name]);
      }
      return merged as Accumulators<A>;
    },
  }, parts);
}
