import { clickEvents } from '../../api/clickEvents.js';
import { job } from '../../api/job.js';
import { ConfigError } from '../../errors/ConfigError.js';
import type { ClickEvent } from '../../events/ClickEvent.js';
import type { Job } from '../Job.js';
import type { ArchivedEvent } from './ArchivedEvent.js';
import { textFitsPostgres } from './textFitsPostgres.js';

/**
 * The shipped archive job: every valid click event once, as read, to its record output
 * `events` (`--output events=postgres://…`, or a file), with its partition and offset so that
 * the output can drop a replayed event that has no `event_id`. No windows: a record is
 * committed as soon as its output has flushed it.
 */
export const archiveJob: Job = job('archive', 'every valid event once, as read (--output events=postgres://…): the raw events beside the windows')
  .from(clickEvents(textFitsPostgres))
  .toRecords('events', (e: ClickEvent, origin): ArchivedEvent => {
    // Only a window on the path takes origins away, and this job has none.
    if (origin === undefined) throw new ConfigError('archive', 'a record reached the events output without its source position; this is a bug, please report it');
    const { eventTimeMs, ...event } = e;
    return { partition: origin.partition, offset: origin.position, event_time_ms: eventTimeMs, event };
  });
