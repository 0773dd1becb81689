import type { AggregateFunction } from '../../operators/AggregateFunction.js';
import type { SessionSummary } from './SessionAggregate.js';

/** Sessions that ended in one window, summed: the parts of every rate, so that each is exact. */
export interface SessionStats {
  readonly sessions: number;
  readonly bounces: number;
  readonly pages: number;
  readonly durationMs: number;
  /** Sessions that met at least one 5xx. */
  readonly withServerErrors: number;
}

type Acc = { -readonly [P in keyof SessionStats]: number };

/** What the statistics read of a session: all that moves to the partition that sums them. */
export type SessionParts = Pick<SessionSummary, 'pages' | 'durationMs' | 'bounced' | 'serverErrors'>;

/**
 * Sums sessions (the sessions window's output, one per firing) into {@link SessionStats}.
 * Downstream of a move, a session fires once, with all its records, so each is counted once.
 */
export function sessionStatsAggregate(): AggregateFunction<SessionParts, Acc, SessionStats> {
  return {
    createAccumulator: () => ({ sessions: 0, bounces: 0, pages: 0, durationMs: 0, withServerErrors: 0 }),
    add(acc, value) {
      acc.sessions++;
      if (value.bounced) acc.bounces++;
      acc.pages += value.pages;
      acc.durationMs += value.durationMs;
      if (value.serverErrors > 0) acc.withServerErrors++;
      return acc;
    },
    getResult: (acc) => ({ ...acc }),
    merge: (a, b) => ({
      sessions: a.sessions + b.sessions,
      bounces: a.bounces + b.bounces,
      pages: a.pages + b.pages,
      durationMs: a.durationMs + b.durationMs,
      withServerErrors: a.withServerErrors + b.withServerErrors,
    }),
  };
}
