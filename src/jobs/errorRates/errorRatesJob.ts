import { map, pipe } from 'rxjs';
import type { ClickEvent } from '../../events/ClickEvent.js';
import { validateClickEvent } from '../../events/validateClickEvent.js';
import { parseRecords } from '../../operators/parseRecords.js';
import { SlidingWindows } from '../../operators/SlidingWindows.js';
import { TumblingWindows } from '../../operators/TumblingWindows.js';
import { windowAggregate } from '../../operators/windowAggregate.js';
import type { Job } from '../Job.js';
import { errorRatesAggregate } from './ErrorRatesAggregate.js';
import { errorRatesLines } from './errorRatesLines.js';

/**
 * The shipped job: per-URL and per-status event counts and HTTP error rates of a clickstream,
 * in event-time windows, as line protocol (schema in `errorRatesLines`).
 */
export const errorRatesJob: Job = {
  name: 'error-rates',
  description: 'per-URL counts, per-status counts and HTTP error rates in event-time windows',
  pipeline(options, context) {
    const windows =
      options.slideMs === undefined || options.slideMs === options.windowMs
        ? TumblingWindows.of(options.windowMs)
        : SlidingWindows.of(options.windowMs, options.slideMs);
    return pipe(
      parseRecords<ClickEvent>({ validate: validateClickEvent, onInvalid: context.onInvalid }),
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
        return {
          partition: batch.partition,
          lines,
          windowsFired: batch.results.length,
          lateRecords: batch.lateRecords,
          watermarkMs: batch.watermarkMs,
          maxTimestampMs: batch.maxTimestampMs,
          safePosition: batch.safePosition,
        };
      }),
    );
  },
};
