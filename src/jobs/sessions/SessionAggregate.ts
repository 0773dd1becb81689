import type { ClickEvent } from '../../events/ClickEvent.js';
import type { AggregateFunction } from '../../operators/AggregateFunction.js';

/** One user's session: what clickstream analytics look at first. */
export interface SessionSummary {
  /** Events in the session (each a page or an action). */
  readonly pages: number;
  /** Event time of the first and the last event, epoch ms. */
  readonly firstMs: number;
  readonly lastMs: number;
  /** From the first event to the last, ms (0 for one event). */
  readonly durationMs: number;
  /** A session of one event. */
  readonly bounced: boolean;
  /** Events with a 5xx status. */
  readonly serverErrors: number;
  /** The URL of the first event (ties in time: the smallest URL, so merges in any order agree). */
  readonly landingUrl: string;
}

/** What a session needs of an event: all that moves between partitions, where bytes cost. */
export type SessionEvent = Pick<ClickEvent, 'user_id' | 'url' | 'http_status' | 'eventTimeMs'>;

interface SessionAccumulator {
  pages: number;
  firstMs: number;
  lastMs: number;
  serverErrors: number;
  landingUrl: string;
}

/**
 * Folds a user's events into a {@link SessionSummary}. Every part is order-free (counts, min,
 * max, and the landing URL by time then URL), so the result is the same whichever order the
 * events and the merges of a session came in.
 */
export function sessionAggregate(): AggregateFunction<SessionEvent, SessionAccumulator, SessionSummary> {
  return {
    createAccumulator: () => ({ pages: 0, firstMs: Infinity, lastMs: -Infinity, serverErrors: 0, landingUrl: '' }),
    add(acc, event) {
      const timeMs = event.eventTimeMs;
      acc.pages++;
      if (timeMs < acc.firstMs || (timeMs === acc.firstMs && event.url < acc.landingUrl)) {
        acc.firstMs = timeMs;
        acc.landingUrl = event.url;
      }
      if (timeMs > acc.lastMs) acc.lastMs = timeMs;
      if ((event.http_status ?? 0) >= 500) acc.serverErrors++;
      return acc;
    },
    getResult: ({ pages, firstMs, lastMs, serverErrors, landingUrl }) => ({
      pages,
      firstMs,
      lastMs,
      durationMs: lastMs - firstMs,
      bounced: pages === 1,
      serverErrors,
      landingUrl,
    }),
    merge(a, b) {
      const first = b.firstMs < a.firstMs || (b.firstMs === a.firstMs && b.landingUrl < a.landingUrl) ? b : a;
      return {
        pages: a.pages + b.pages,
        firstMs: first.firstMs,
        lastMs: Math.max(a.lastMs, b.lastMs),
        serverErrors: a.serverErrors + b.serverErrors,
        landingUrl: first.landingUrl,
      };
    },
  };
}
