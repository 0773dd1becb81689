import { clickEvents } from '../../api/clickEvents.js';
import { job } from '../../api/job.js';
import type { PointFactory } from '../../api/PlanNode.js';
import { DEFAULTS } from '../../config/defaults.js';
import type { ClickEvent } from '../../events/ClickEvent.js';
import { combine } from '../../operators/aggregates/combine.js';
import { count } from '../../operators/aggregates/count.js';
import { sum } from '../../operators/aggregates/sum.js';
import { EventTimeSessionWindows } from '../../operators/EventTimeSessionWindows.js';
import { TumblingEventTimeWindows } from '../../operators/TumblingEventTimeWindows.js';
import type { Point } from '../../points/Point.js';
import type { Job } from '../Job.js';
import { urlFitsInfluxTag } from '../errorRates/urlFitsInfluxTag.js';
import { sessionsCharts } from './sessionsCharts.js';
import { sessionAggregate, type SessionEvent, type SessionSummary } from './SessionAggregate.js';
import { sessionStatsAggregate, type SessionParts, type SessionStats } from './SessionStatsAggregate.js';

/** What the landing pages read of a session. */
type LandingParts = Pick<SessionSummary, 'landingUrl' | 'bounced'>;

const sessionsGraph = job('sessions', 'per-user sessions (--gap, default 30m): bounce rate, duration, pages, 5xx share per minute of session end, and landing pages')
  .withCharts(sessionsCharts);

/**
 * Each user's sessions: records move by `user_id`, so a session holds the user's events from
 * every partition. Only the fields a session reads move: about a quarter of an event's bytes.
 */
const sessions = sessionsGraph
  .from(clickEvents(urlFitsInfluxTag))
  .map(({ user_id, url, http_status, eventTimeMs }: ClickEvent): SessionEvent => ({ user_id, url, http_status, eventTimeMs }))
  .keyBy((e) => e.user_id)
  .window(EventTimeSessionWindows.withGap(DEFAULTS.sessionGapMs))
  .aggregate(sessionAggregate());

// Individual sessions carry a user id: JSON lines for a file or topic, never an InfluxDB tag (series cardinality).
sessions.toRecords('sessions', (s) => ({
  user_id: s.key,
  start: new Date(s.value.firstMs).toISOString(),
  end: new Date(s.value.lastMs).toISOString(),
  pages: s.value.pages,
  duration_ms: s.value.durationMs,
  bounced: s.value.bounced,
  server_errors: s.value.serverErrors,
  landing_url: s.value.landingUrl,
}));

// All sessions that ended in a minute meet in one partition: one point per minute, not one per
// partition. Of each session only what the sums read moves, as of each event above.
sessions
  .map(({ value: { pages, durationMs, bounced, serverErrors } }): SessionParts => ({ pages, durationMs, bounced, serverErrors }))
  .keyBy(() => 'all')
  .window(TumblingEventTimeWindows.of(DEFAULTS.sessionStatsWindowMs))
  .aggregate(sessionStatsAggregate())
  .toPoints((w, point) => sessionStatsPoint(w.value, point));

sessions
  .map(({ value: { landingUrl, bounced } }): LandingParts => ({ landingUrl, bounced }))
  .keyBy((s) => s.landingUrl)
  .window(TumblingEventTimeWindows.of(DEFAULTS.sessionStatsWindowMs))
  .aggregate(combine({ sessions: count<LandingParts>(), bounces: sum((s: LandingParts) => (s.bounced ? 1 : 0)) }))
  .toPoints((w, point) => point('landing_pages').tag('url', w.key).intField('sessions', w.value.sessions).intField('bounces', w.value.bounces));

/**
 * The shipped sessions job: per `user_id`, event-time session windows; per minute of session
 * end, `session_stats` (sessions, bounce rate, average duration, pages per session, share of
 * sessions that met a 5xx) and `landing_pages` (sessions and bounces per landing URL); each
 * session as a JSON line on the record output `sessions`.
 */
export const sessionsJob: Job = sessionsGraph;

/** The `session_stats` point of one minute's sessions. */
export function sessionStatsPoint(stats: SessionStats, point: PointFactory): Point {
  const { sessions, bounces, pages, durationMs, withServerErrors } = stats;
  return point('session_stats')
    .intField('sessions', sessions)
    .intField('bounces', bounces)
    .floatField('bounce_rate', bounces / sessions)
    .floatField('avg_duration_s', durationMs / sessions / 1000)
    .floatField('pages_per_session', pages / sessions)
    .floatField('server_error_share', withServerErrors / sessions);
}
