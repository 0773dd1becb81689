import { clickEvents } from '../../api/clickEvents.js';
import { job } from '../../api/job.js';
import { DEFAULTS } from '../../config/defaults.js';
import { TumblingEventTimeWindows } from '../../operators/TumblingEventTimeWindows.js';
import type { Job } from '../Job.js';
import { errorRatesAggregate } from './ErrorRatesAggregate.js';
import { errorRatesPoints } from './errorRatesPoints.js';
import { urlFitsInfluxTag } from './urlFitsInfluxTag.js';

/**
 * The shipped job: per-URL and per-status event counts and HTTP error rates of a clickstream,
 * in event-time windows (10 s tumbling unless `--window`/`--slide` say otherwise).
 */
export const errorRatesJob: Job = job('error-rates', 'per-URL counts, per-status counts and HTTP error rates in event-time windows')
  .from(clickEvents(urlFitsInfluxTag))
  .window(TumblingEventTimeWindows.of(DEFAULTS.windowMs))
  .aggregate(errorRatesAggregate())
  .toPoints(errorRatesPoints);
