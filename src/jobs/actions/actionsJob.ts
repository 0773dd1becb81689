import { clickEvents } from '../../api/clickEvents.js';
import { job } from '../../api/job.js';
import { DEFAULTS } from '../../config/defaults.js';
import type { ClickEvent } from '../../events/ClickEvent.js';
import { count } from '../../operators/aggregates/count.js';
import { keyedBy } from '../../operators/aggregates/keyedBy.js';
import { TumblingEventTimeWindows } from '../../operators/TumblingEventTimeWindows.js';
import type { Job } from '../Job.js';
import { jobHealthPoint } from '../jobHealthPoint.js';
import { actionFitsInfluxTag } from './actionFitsInfluxTag.js';
import { actionsCharts } from './actionsCharts.js';

function isAction(event: ClickEvent): boolean {
  return event.action !== undefined && event.action !== null;
}

/**
 * The shipped actions job: per window and partition, how many times each tracked action
 * (`action` of the tracker's clicks, e.g. `add_to_cart` and `buy_now`) happened:
 * `action_counts,partition=<p>,action=<a> count=<n>i`, and `job_health`. Events without an
 * action (page views, the producer's requests) are dropped, not dead-lettered.
 */
export const actionsJob: Job = job('actions', 'tracked actions (clicks on data-track elements) counted per action in event-time windows')
  .withCharts(actionsCharts)
  .from(clickEvents(actionFitsInfluxTag))
  .filter(isAction)
  .window(TumblingEventTimeWindows.of(DEFAULTS.windowMs))
  .aggregate(keyedBy((event: ClickEvent) => event.action!, count()))
  .toPoints((window, point) => [
    ...[...window.value].map(([action, n]) => point('action_counts').tag('action', action).intField('count', n)),
    jobHealthPoint(window, point),
  ]);
