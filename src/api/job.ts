import { JobGraph } from './JobGraph.js';

/**
 * Starts a job definition in Flink's vocabulary: `job(name).from(format)` gives the source
 * stream; every branch ends in an output (`toPoints`, `toRecords`), which returns the job that
 * `startJob` and `clickflow run` take. A job with several outputs keeps the `job(…)` value and
 * exports it once its branches are written.
 *
 * @param name the job's name: how `clickflow run` finds it, and the default consumer group's suffix
 * @example
 * export default job('slowest-urls', 'highest latency per URL per minute')
 *   .from(clickEvents())
 *   .keyBy((e) => e.url)
 *   .window(TumblingEventTimeWindows.of('1m'))
 *   .aggregate(max((e) => e.latency_ms ?? 0))
 *   .toPoints((w, point) => point('slowest').tag('url', w.key).floatField('latency_ms', w.value));
 * @example
 * const sessions = job('sessions');
 * const perUser = sessions.from(clickEvents()).keyBy((e) => e.user_id).window(EventTimeSessionWindows.withGap('30m')).aggregate(count());
 * perUser.toRecords('sessions');
 * perUser.keyBy(() => 'all').window(TumblingEventTimeWindows.of('1m')).aggregate(count()).toPoints((w, point) => point('sessions').intField('n', w.value));
 * export default sessions;
 */
export function job(name: string, description = ''): JobGraph {
  return new JobGraph(name, description);
}
