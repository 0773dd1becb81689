import type { ClickEvent } from '../events/ClickEvent.js';
import { validateClickEvent } from '../events/validateClickEvent.js';
import { json, type Validator } from './json.js';
import type { RecordFormat } from './RecordFormat.js';

/**
 * The clickstream: JSON click events checked against the schema (README, "Events"), with
 * their `event_timestamp` as event time. Further validators run after the schema's, so they
 * see a complete {@link ClickEvent} and may add reasons of their own.
 *
 * @example job('slowest-urls').from(clickEvents())
 */
export function clickEvents(...validators: Validator[]): RecordFormat<ClickEvent> {
  return json<ClickEvent>({
    validate: [validateClickEvent, ...validators],
    eventTime: (event) => event.eventTimeMs,
    description: 'JSON click events',
  });
}
