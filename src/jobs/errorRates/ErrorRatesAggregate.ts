import type { ClickEvent } from '../../events/ClickEvent.js';
import type { AggregateFunction } from '../../operators/AggregateFunction.js';

/** What the error-rates job computes for one window. */
export interface ErrorRatesWindow {
  /** Events per URL, in order of first appearance. */
  readonly urlCounts: Map<string, number>;
  /** Events with a status >= 400 per URL, for the URLs that had any, in order of first appearance. */
  readonly urlErrors: Map<string, number>;
  /** Events per HTTP status code, ascending by code. */
  readonly statusCounts: Map<number, number>;
  readonly total: number;
  /** Statuses >= 400. */
  readonly errors: number;
  /** Statuses 400–499. */
  readonly clientErrors: number;
  /** Statuses 500–599. */
  readonly serverErrors: number;
  /** `errors / total`. */
  readonly rate: number;
}

interface ErrorRatesAccumulator {
  /** Events and errors (statuses >= 400) per URL. */
  readonly urls: Map<string, { n: number; errors: number }>;
  /** Count per status, indexed by `status - 100`: validation keeps statuses in 100–599. */
  readonly statuses: Uint32Array;
  total: number;
  clientErrors: number;
  serverErrors: number;
}

/**
 * Counts per URL, per status and of errors in one pass over a window's events.
 *
 * Hand-specialised rather than `combine(keyedBy(…), keyedBy(…), ratio(…))` because this is
 * the job every benchmark runs: one Map lookup per event (URLs, whose counter also counts
 * their errors), a typed-array increment (statuses), and field increments, with no per-event
 * allocation.
 */
export function errorRatesAggregate(): AggregateFunction<ClickEvent, ErrorRatesAccumulator, ErrorRatesWindow> {
  return {
    createAccumulator: () => ({
      urls: new Map(),
      statuses: new Uint32Array(500),
      total: 0,
      clientErrors: 0,
      serverErrors: 0,
    }),
    add(acc, event) {
      // The job's filter keeps only events with a status.
      const status = event.http_status!;
      const error = status >= 400 ? 1 : 0;
      const counter = acc.urls.get(event.url);
      if (counter === undefined) acc.urls.set(event.url, { n: 1, errors: error });
      else {
        counter.n++;
        counter.errors += error;
      }
      acc.statuses[status - 100]!++;
      acc.total++;
      if (status >= 500) acc.serverErrors++;
      else if (status >= 400) acc.clientErrors++;
      return acc;
    },
    getResult(acc) {
      const urlCounts = new Map<string, number>();
      const urlErrors = new Map<string, number>();
      for (const [url, counter] of acc.urls) {
        urlCounts.set(url, counter.n);
        if (counter.errors > 0) urlErrors.set(url, counter.errors);
      }
      const statusCounts = new Map<number, number>();
      for (let i = 0; i < acc.statuses.length; i++) {
        if (acc.statuses[i] !== 0) statusCounts.set(i + 100, acc.statuses[i]!);
      }
      const errors = acc.clientErrors + acc.serverErrors;
      return {
        urlCounts,
        urlErrors,
        statusCounts,
        total: acc.total,
        errors,
        clientErrors: acc.clientErrors,
        serverErrors: acc.serverErrors,
        rate: acc.total === 0 ? 0 : errors / acc.total,
      };
    },
    merge(a, b) {
      for (const [url, counter] of b.urls) {
        const mine = a.urls.get(url);
        if (mine === undefined) a.urls.set(url, { n: counter.n, errors: counter.errors });
        else {
          mine.n += counter.n;
          mine.errors += counter.errors;
        }
      }
      for (let i = 0; i < a.statuses.length; i++) a.statuses[i]! += b.statuses[i]!;
      a.total += b.total;
      a.clientErrors += b.clientErrors;
      a.serverErrors += b.serverErrors;
      return a;
    },
  };
}
