import { validateClickEvent, type ValidationFailure } from '../events/validateClickEvent.js';
import type { KeyedMessage } from './EventWriter.js';
import type { ParsedBody } from './parseEventsBody.js';

/** An event the collector refused, as its answer lists it. */
export interface RefusedEvent {
  /** Position of the event in the request: in the array, or among the non-blank NDJSON lines. */
  readonly index: number;
  readonly reason: ValidationFailure['reason'];
  readonly detail: string;
}

/** What the collector adds to each event: what a browser cannot be trusted with or does not know. */
export interface ReceiveContext {
  /** When the request arrived, as ISO-8601: always the collector's, whatever the event said. */
  readonly receivedAt: string;
  /** The request's `User-Agent`, already cut to length; set on events that carry none. */
  readonly userAgent: string | undefined;
  /** The field whose value keys each message (`--key`). */
  readonly keyField: string;
}

/**
 * Validates each event with the jobs' own check ({@link validateClickEvent}) and turns the valid
 * ones into messages: the event as sent, with `received_at` set and `user_agent` added when
 * absent. Nothing else is added; in particular no address of the sender.
 */
export function acceptEvents(body: ParsedBody, context: ReceiveContext): { messages: KeyedMessage[]; refused: RefusedEvent[]; bytes: number } {
  const messages: KeyedMessage[] = [];
  const refused: RefusedEvent[] = [];
  let bytes = 0;
  const { values, lineFailures } = body;
  for (let index = 0; index < values.length; index++) {
    const failure = lineFailures.get(index) ?? validateClickEvent(values[index]);
    if (failure !== null) {
      refused.push({ index, reason: failure.reason, detail: failure.detail });
      continue;
    }
    // Validation set eventTimeMs on the event for the jobs; it is not part of the stored event.
    const { eventTimeMs: _eventTimeMs, ...event } = values[index] as Record<string, unknown>;
    event.received_at = context.receivedAt;
    if ((event.user_agent === undefined || event.user_agent === null) && context.userAgent !== undefined) event.user_agent = context.userAgent;
    const keyValue = event[context.keyField];
    const key = typeof keyValue === 'string' ? keyValue : typeof keyValue === 'number' ? String(keyValue) : null;
    const value = JSON.stringify(event);
    bytes += value.length + (key?.length ?? 0);
    messages.push({ key, value });
  }
  return { messages, refused, bytes };
}
