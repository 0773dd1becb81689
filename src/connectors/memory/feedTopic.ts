import type { ClickstreamGenerator } from '../../producer/ClickstreamGenerator.js';
import { DEFAULTS } from '../../config/defaults.js';
import type { InMemoryTopic } from './InMemoryTopic.js';

/**
 * Appends generated records to a topic in real time, `ratePerSecond` of them a second, in
 * small steps of `DEFAULTS.demo.feedStepMs`, until the returned function is called. After a
 * stall of the event loop it catches up by at most one second of records, so that a paused
 * process does not come back with a flood whose event times all fall in one instant.
 */
export function feedTopic(topic: InMemoryTopic, generator: ClickstreamGenerator, ratePerSecond: number): () => void {
  let startedMs = Date.now();
  let generated = 0;
  const step = () => {
    const nowMs = Date.now();
    if (((nowMs - startedMs) * ratePerSecond) / 1000 - generated > ratePerSecond) {
      // A stall: the schedule starts again one second back, with that second's records due.
      startedMs = nowMs - 1000;
      generated = 0;
    }
    const due = Math.floor(((nowMs - startedMs) * ratePerSecond) / 1000) - generated;
    for (let i = 0; i < due; i++) {
      const record = generator.next();
      topic.append(record.key, record.value);
    }
    generated += due;
  };
  const timer = setInterval(step, DEFAULTS.demo.feedStepMs);
  return () => clearInterval(timer);
}
