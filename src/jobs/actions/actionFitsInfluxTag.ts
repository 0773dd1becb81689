import type { ClickEvent } from '../../events/ClickEvent.js';
import type { ValidationFailure } from '../../events/validateClickEvent.js';

/** A `data-track` name is a word or two; longer is a page putting data where a name belongs (series cardinality). */
const MAX_ACTION_LENGTH = 200;
const BACKSLASH = 92;

/**
 * What the actions job needs to write an event's `action` as an InfluxDB tag value: line
 * protocol cannot end a tag value with a backslash (InfluxDB refuses the whole write), so such
 * an event is dead-lettered as `bad_action` instead of stopping the job. Events without an
 * action pass (the job drops them after).
 */
export function actionFitsInfluxTag(value: unknown): ValidationFailure | null {
  const { action } = value as ClickEvent;
  if (typeof action !== 'string') return null;
  if (action.length === 0) return { reason: 'bad_action', detail: 'action is empty; give the data-track attribute a name' };
  if (action.charCodeAt(action.length - 1) === BACKSLASH) {
    return { reason: 'bad_action', detail: 'action ends with a backslash, which InfluxDB line protocol cannot store in a tag' };
  }
  if (action.length > MAX_ACTION_LENGTH) {
    return { reason: 'bad_action', detail: `action is ${action.length} characters long; at most ${MAX_ACTION_LENGTH}: name actions, do not put data in them` };
  }
  return null;
}
