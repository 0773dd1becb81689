import { clickEvents } from '../../api/clickEvents.js';
import { job } from '../../api/job.js';
import type { ClickEvent } from '../../events/ClickEvent.js';
import { DEFAULTS } from '../../config/defaults.js';
import { TumblingEventTimeWindows } from '../../operators/TumblingEventTimeWindows.js';
import type { Job } from '../Job.js';
import { errorRatesCharts } from './errorRatesCharts.js';
import { errorRatesAggregate } from './ErrorRatesAggregate.js';
import { errorRatesPoints } from './errorRatesPoints.js';
import { urlFitsInfluxTag } from './urlFitsInfluxTag.js';

/** Validation lets an event with an `event_type` send `http_status` absent or null. */
function carriesHttpStatus(event: ClickEvent): boolean {
  return typeof event.http_status === 'number';
}

/**
 * The shipped job: per-URL and per-status event counts and HTTP error rates of a clickstream,
 * in event-time windows, of the events that carry a status (10 s tumbling unless `--window`/`--slide` say otherwise).
 */
export const errorRatesJob: Job = job('error-rates', 'per-URL counts, per-status counts and HTTP error rates in event-time windows')
  .withCharts(errorRatesCharts)
  .from(clickEvents(urlFitsInfluxTag))
  // A click carries no HTTP status: it is no request that could have failed. Dropped, not
  // dead-lettered: it is valid, only not this job's. Events of the producer all pass.
  .filter(carriesHttpStatus)
  .window(TumblingEventTimeWindows.of(DEFAULTS.windowMs))
  .aggregate(errorRatesAggregate())
  .toPoints(errorRatesPoints);
