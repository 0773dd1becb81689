import { map, pipe, type OperatorFunction } from 'rxjs';
import type { ClickEvent } from '../../events/ClickEvent.js';
import { parseRecords } from '../../operators/parseRecords.js';
import type { RecordBatch } from '../../operators/RecordBatch.js';
import { SlidingWindows } from '../../operators/SlidingWindows.js';
import { TumblingWindows } from '../../operators/TumblingWindows.js';
import { windowAggregate } from '../../operators/windowAggregate.js';
import type { Job, JobContext, WindowingOptions } from '../Job.js';
import type { JobOutput } from '../JobOutput.js';
import { jobOutputOf } from '../jobOutputOf.js';
import { errorRatesAggregate } from './ErrorRatesAggregate.js';
import { errorRatesLines } from './errorRatesLines.js';
import { validateErrorRatesEvent } from './validateErrorRatesEvent.js';

/**
 * The windowed half of the error-rates job, on events that are already parsed and validated:
 * emits one {@link JobOutput} per input batch, with the line protocol of the windows that fired.
 */
export function errorRatesWindows(
  options: WindowingOptions,
  context: Pick<JobContext, 'onLate'>,
): OperatorFunction<RecordBatch<ClickEvent>, JobOutput> {
  const windows =
    options.slideMs === undefined || options.slideMs === options.windowMs
      ? TumblingWindows.of(options.windowMs)
      : SlidingWindows.of(options.windowMs, options.slideMs);
  return pipe(
    windowAggregate({
      windows,
      eventTimeOf: (event: ClickEvent) => event.eventTimeMs,
      maxOutOfOrdernessMs: options.maxOutOfOrdernessMs,
      allowedLatenessMs: options.allowedLatenessMs,
      aggregate: errorRatesAggregate(),
      onLate: context.onLate,
    }),
    map((batch) => {
      const lines: string[] = [];
      for (const result of batch.results) errorRatesLines(result, lines);
      return jobOutputOf(batch, lines);
    }),
  );
}

/**
 * The shipped job: per-URL and per-status event counts and HTTP error rates of a clickstream,
 * in event-time windows, as line protocol (schema in `errorRatesLines`).
 */
export const errorRatesJob: Job = {
  name: 'error-rates',
  description: 'per-URL counts, per-status counts and HTTP error rates in event-time windows',
  pipeline(options, context) {
    return pipe(
      parseRecords<ClickEvent>({ validate: validateErrorRatesEvent, onInvalid: context.onInvalid }),
      errorRatesWindows(options, context),
    );
  },
};
