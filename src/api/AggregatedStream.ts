import { map, type Observable, type OperatorFunction } from 'rxjs';
import type { Job, JobContext, JobParameters } from '../jobs/Job.js';
import type { JobOutput } from '../jobs/JobOutput.js';
import type { AggregateFunction } from '../operators/AggregateFunction.js';
import type { RecordBatch } from '../operators/RecordBatch.js';
import { windowAggregate } from '../operators/windowAggregate.js';
import type { WindowResult } from '../operators/WindowResult.js';
import { Point } from '../points/Point.js';
import { resolveSettings, type WindowPlan } from './WindowedStream.js';

/**
 * Makes a point for one fired window: stamped with the window's start and tagged with its
 * partition (results are exact per partition; sum over the tag for the whole topic).
 */
export type PointFactory = (measurement: string) => Point;

/** Turns one fired window into points; may return one, several or none. */
export type ToPoints<OUT, K> = (window: WindowResult<OUT, K>, point: PointFactory) => Point | readonly Point[] | undefined | void;

/** The results of a windowed aggregate; `toPoints` completes the job. */
export class AggregatedStream<T, ACC, OUT, K> {
  constructor(
    private readonly plan: WindowPlan<T, K>,
    private readonly aggregate: AggregateFunction<T, ACC, OUT>,
  ) {}

  /**
   * The job: each firing of each window becomes the points `toPoints` returns.
   * @example .toPoints((w, point) => point('slowest').tag('url', w.key).floatField('latency_ms', w.value))
   */
  toPoints(toPoints: ToPoints<OUT, K>): Job {
    const { plan, aggregate } = this;
    const stream = plan.stream;
    const settings = (parameters: JobParameters = {}) => resolveSettings(plan as WindowPlan<unknown, unknown>, parameters);
    return {
      name: stream.name,
      description: stream.description,
      settings,
      pipeline(parameters: JobParameters, context: JobContext): OperatorFunction<RecordBatch<string | Uint8Array>, JobOutput> {
        const { windows, trigger, maxOutOfOrdernessMs, allowedLatenessMs } = settings(parameters);
        const stages = stream.stages.map((stage) => stage(context));
        const windowed = windowAggregate<T, ACC, OUT, K>({
          windows,
          trigger,
          keyOf: plan.keyOf,
          maxOutOfOrdernessMs,
          allowedLatenessMs,
          aggregate,
          onLate: context.onLate,
        });
        return (source) => {
          let records = source.pipe(stream.format.decode(context.onInvalid)) as Observable<RecordBatch<unknown>>;
          for (const stage of stages) records = records.pipe(map(stage));
          return (records as Observable<RecordBatch<T>>).pipe(
            windowed,
            map((batch) => {
              const points: Point[] = [];
              for (const result of batch.results) {
                const made = toPoints(result, (measurement) => new Point(measurement, result.startMs).tag('partition', String(result.partition)));
                if (made instanceof Point) points.push(made);
                else if (made !== undefined) for (const point of made) points.push(point);
              }
              return {
                partition: batch.partition,
                points,
                windowsFired: batch.results.length,
                lateRecords: batch.lateRecords,
                watermarkMs: batch.watermarkMs,
                maxTimestampMs: batch.maxTimestampMs,
                safePosition: batch.safePosition,
                nextPosition: batch.nextPosition,
              };
            }),
          );
        };
      },
    };
  }
}
