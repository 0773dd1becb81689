/**
 * One clickstream event, as the producer sends it: one JSON object per Kafka message or
 * per line of a file. Field names are the wire names, so a parsed record is used as it is,
 * without copying it into another shape on the per-event path.
 */
export interface ClickEvent {
  user_id: string;
  url: string;
  /**
   * HTTP status code, 100–599. Required on an event without `event_type` (an HTTP request, as
   * the producer's are); one with an `event_type` (a click) may leave it out or send null, and
   * jobs about HTTP errors skip it.
   */
  http_status?: number | null;
  /**
   * Epoch seconds (possibly fractional) or an ISO-8601 string, as sent; from 1990 up to
   * before 2100 (see `MIN_EVENT_TIME_MS` in src/time/eventTimeRange.ts).
   */
  event_timestamp: number | string;
  session_id?: string;
  method?: string;
  referrer?: string;
  user_agent?: string;
  latency_ms?: number;
  /** Unique per event, so that a resent event can be dropped (the browser tracker sets a UUID). */
  event_id?: string;
  /**
   * What happened: `page_view`, `click`, `http_error` (a failed fetch/XHR) from the browser
   * tracker; absent on the producer's events, which are all HTTP requests.
   */
  event_type?: string;
  /** A click's `data-track` value, e.g. `add_to_cart`. */
  action?: string;
  /**
   * Event time in epoch milliseconds (`event_timestamp` × 1000, rounded), set by
   * validation so that the windows never convert it again.
   */
  eventTimeMs: number;
}
