import type { AggregateFunction } from '../AggregateFunction.js';
import { keyIdentity, keyOfIdentity } from '../keyIdentity.js';
import { composedOf, mergeOrFail } from './mergeOrFail.js';

/**
 * Runs an aggregate per key inside each window (Flink's `keyBy` + window, with the keys of a
 * window kept in one Map so that memory is windows × keys, and each record costs one lookup).
 * Emits a Map from key to result, in order of first appearance. Keys are compared by value:
 * an array or plain object key (`[e.url, e.http_status]`) groups with its equals (see `keyIdentity`).
 *
 * @param keyOf the key of one record
 * @param inner the aggregate computed for each key
 * @example keyedBy((e: ClickEvent) => e.url, count()) // Map url → events in the window
 */
export function keyedBy<IN, K, ACC, OUT>(
  keyOf: (value: IN) => K,
  inner: AggregateFunction<IN, ACC, OUT>,
): AggregateFunction<IN, Map<K, ACC>, Map<K, OUT>> {
  return composedOf({
    createAccumulator: () => new Map<K, ACC>(),
    add(accs, value) {
      const key = keyIdentity(keyOf(value)) as K;
      const acc = accs.get(key);
      if (acc === undefined) {
        accs.set(key, inner.add(inner.createAccumulator(), value));
      } else {
        const next = inner.add(acc, value);
        if (next !== acc) accs.set(key, next);
      }
      return accs;
    },
    getResult(accs) {
      const results = new Map<K, OUT>();
      for (const [key, acc] of accs) results.set(keyOfIdentity<K>(key), inner.getResult(acc));
      return results;
    },
    merge(a, b) {
      const merged = new Map(a);
      for (const [key, acc] of b) {
        const mine = merged.get(key);
        merged.set(key, mine === undefined ? acc : mergeOrFail(inner, mine, acc));
      }
      return merged;
    },
  }, [inner]);
}
