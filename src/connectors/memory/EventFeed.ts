import type { KeyedMessage } from '../../collector/EventWriter.js';

/**
 * Events that come into a job's process from outside it, for the generator source to append to
 * its in-memory topic beside the generated ones: in the demo, the collector's events, which the
 * job manager sends to each of its generator jobs' workers. One listener: the source of the job.
 * Events that come before the source opened wait for it, up to `maxWaiting` (the oldest go
 * first), so that a job starting meanwhile does not miss them.
 */
export class EventFeed {
  private listener: ((messages: readonly KeyedMessage[]) => void) | undefined;
  private waiting: KeyedMessage[] = [];

  constructor(private readonly maxWaiting: number) {}

  push(messages: readonly KeyedMessage[]): void {
    if (this.listener !== undefined) {
      this.listener(messages);
      return;
    }
    this.waiting.push(...messages);
    if (this.waiting.length > this.maxWaiting) this.waiting.splice(0, this.waiting.length - this.maxWaiting);
  }

  /** Gives `listener` the events that waited, then every later push, until the returned function is called. */
  subscribe(listener: (messages: readonly KeyedMessage[]) => void): () => void {
    this.listener = listener;
    const waiting = this.waiting;
    this.waiting = [];
    if (waiting.length > 0) listener(waiting);
    return () => {
      if (this.listener === listener) this.listener = undefined;
    };
  }
}
