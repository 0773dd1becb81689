import { DataStream } from './DataStream.js';
import type { RecordFormat } from './RecordFormat.js';

/** The start of a job's chain: `job(name).from(format)`. */
export interface JobBuilder {
  /** Reads the source's records with `format` (e.g. `clickEvents()` or `json({ … })`). */
  from<T>(format: RecordFormat<T>): DataStream<T>;
}

/**
 * Starts a job definition in Flink's vocabulary; the chain ends with `toPoints`, which
 * returns the {@link Job} that `startJob` and `clickflow run` take.
 *
 * @param name the job's name: how `clickflow run` finds it, and the default consumer group's suffix
 * @example
 * export default job('slowest-urls', 'highest latency per URL per minute')
 *   .from(clickEvents())
 *   .keyBy((e) => e.url)
 *   .window(TumblingEventTimeWindows.of('1m'))
 *   .aggregate(max((e) => e.latency_ms ?? 0))
 *   .toPoints((w, point) => point('slowest').tag('url', w.key).floatField('latency_ms', w.value));
 */
export function job(name: string, description = ''): JobBuilder {
  return {
    from: <T>(format: RecordFormat<T>) =>
      new DataStream<T>({ name, description, format: format as RecordFormat<unknown>, stages: [] }),
  };
}
