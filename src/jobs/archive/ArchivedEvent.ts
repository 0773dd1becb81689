/**
 * One line of the archive job's record output `events`: a valid click event as it was read,
 * with where the source read it. `--output events=postgres://…` stores it as a row; a file
 * output keeps the line as it is.
 */
export interface ArchivedEvent {
  /** Source partition (0 for a file or stdin). */
  readonly partition: number;
  /** Kafka offset, or line number in a file. */
  readonly offset: number;
  /** The event time in epoch milliseconds, as validation read `event_timestamp`. */
  readonly event_time_ms: number;
  /** The event's own fields, as sent. */
  readonly event: Readonly<Record<string, unknown>>;
}
