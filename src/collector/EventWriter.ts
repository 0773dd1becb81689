/** One event on its way to storage: its Kafka key and its JSON text. */
export interface KeyedMessage {
  /** The value of the collector's key field (`--key`), or null when the event has none. */
  readonly key: string | null;
  readonly value: string;
}

/**
 * Where the collector stores the events it accepts: Kafka by default ({@link kafkaEventWriter}),
 * or anything else a caller of `startCollector` passes, such as an in-memory topic for the demo.
 *
 * The collector calls `write` with one batch at a time (never two at once) and answers the
 * requests whose events it holds only after it resolves, so `write` must resolve only once the
 * events are stored durably. A rejection with a `retriable` error (see `ClickflowError`) is
 * tried again after a pause; any other rejection refuses the batch's requests with 503.
 */
export interface EventWriter {
  write(messages: readonly KeyedMessage[]): Promise<void>;
  /** Called once, after the last `write` settled. */
  close(): Promise<void>;
}
