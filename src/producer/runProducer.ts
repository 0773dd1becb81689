import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Message } from 'kafkajs';
import { ensureTopic } from '../connectors/kafka/ensureTopic.js';
import { kafkaErrorOf } from '../connectors/kafka/kafkaErrorOf.js';
import { checkRate } from './checkRate.js';
import { ClickstreamGenerator, type GeneratorOptions } from './ClickstreamGenerator.js';

/** What {@link runProducer} does and where. */
export interface ProducerRun {
  readonly generator: GeneratorOptions;
  /** Stop after this many records; with `durationMs` unset too, run until `signal` aborts. */
  readonly count?: number;
  readonly durationMs?: number;
  /** Records per second, from 0.001 to 10 000 000; unset: as fast as the target takes them. */
  readonly rate?: number;
  readonly batchSize: number;
  /**
   * Ends the run: nothing more is generated, the batch on its way is awaited, and the run
   * resolves with what was sent. While still connecting to Kafka it resolves at once.
   */
  readonly signal?: AbortSignal;
  /**
   * Called once the generator is built, before the first connection or record. Building the
   * pools of a large `--urls`/`--users` takes seconds without a turn of the event loop, so the
   * CLI starts handling SIGINT here: until then Ctrl-C keeps its default effect and ends it.
   */
  readonly onStart?: () => void;
  /** Called about twice a second and at the end, for the progress line. */
  readonly onProgress?: (progress: ProducerProgress) => void;
}

/** Where a producer run stands. */
export interface ProducerProgress {
  readonly sent: number;
  readonly elapsedMs: number;
}

/** Where records go: a Kafka topic, or a text stream for `--dry-run`. */
export type ProducerTarget =
  | { readonly kind: 'kafka'; readonly kafka: Kafka; readonly brokers: string; readonly topic: string; readonly partitions: number }
  | { readonly kind: 'stream'; readonly write: (text: string) => boolean | Promise<void> };

/**
 * Generates records and sends them in batches until the count, the duration or the signal
 * ends the run. Kafka sends are idempotent with `acks: -1`; a batch that still fails after
 * the client's retries ends the run with {@link kafkaErrorOf}'s account of it (an unreachable
 * broker, refused authentication, an untrusted certificate, …). A failed write to a
 * stream (e.g. `EPIPE` once the reader has gone) ends the run with that error.
 *
 * @example
 * await runProducer({ generator, count: 1000, rate: 100, batchSize: 2000, signal }, { kind: 'stream', write });
 */
export async function runProducer(run: ProducerRun, target: ProducerTarget): Promise<ProducerProgress> {
  if (run.rate !== undefined) checkRate(run.rate);
  const { signal } = run;
  const generator = new ClickstreamGenerator(run.generator);
  run.onStart?.();
  const startedMs = Date.now();
  let sent = 0;
  const progress = (): ProducerProgress => ({ sent, elapsedMs: Date.now() - startedMs });
  const finish = () => {
    const final = progress();
    run.onProgress?.(final);
    return final;
  };

  let send: (messages: Message[]) => Promise<void>;
  let close = async () => {};
  if (target.kind === 'kafka') {
    const producer = target.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    const connecting = (async () => {
      await ensureTopic(target.kafka, target.topic, target.partitions);
      await producer.connect();
    })();
    let connected: boolean;
    try {
      connected = await settledBeforeAbort(connecting, signal);
    } catch (error) {
      throw kafkaErrorOf(error, { brokers: target.brokers, topic: target.topic });
    }
    if (!connected) {
      // kafkajs cannot cancel a connection attempt (it retries an unreachable broker for
      // seconds); the attempt is left to end on its own, and a producer it opened is closed.
      connecting.then(() => producer.disconnect()).catch(() => undefined);
      return finish();
    }
    send = async (messages) => {
      try {
        await producer.send({ topic: target.topic, acks: -1, messages });
      } catch (error) {
        throw kafkaErrorOf(error, { brokers: target.brokers, topic: target.topic });
      }
    };
    close = () => producer.disconnect();
  } else {
    send = async (messages) => {
      let text = '';
      for (const m of messages) text += `${m.value as string}\n`;
      await target.write(text);
    };
  }

  let lastReportMs = 0;
  // The next batch is generated while the previous one is on its way: with one request in
  // flight (idempotence keeps order), generation would otherwise add to every round trip.
  let generated = 0;
  let inFlight: Promise<void> | undefined;
  const report = () => {
    const nowMs = Date.now();
    if (run.onProgress !== undefined && nowMs - lastReportMs >= 500) {
      lastReportMs = nowMs;
      run.onProgress(progress());
    }
  };
  const endMs = run.durationMs === undefined ? Infinity : startedMs + run.durationMs;
  // The schedule starts once connected, so that a slow connection is not made up for with a burst.
  const paceStartMs = Date.now();
  const stop = () => signal?.aborted === true || (run.count !== undefined && generated >= run.count) || Date.now() >= endMs;
  try {
    while (!stop()) {
      let size = run.batchSize;
      if (run.count !== undefined) size = Math.min(size, run.count - generated);
      if (run.rate !== undefined) {
        // Record k is due k / rate seconds after the start. Pacing against that schedule
        // rather than sleeping a fixed time per batch holds the rate however long sends take.
        const nowMs = Date.now();
        const waitMs = Math.min(paceStartMs + (generated * 1000) / run.rate, endMs) - nowMs;
        if (waitMs > 0) {
          // A signal wakes the sleep, and it never outlasts --duration; the loop then
          // checks again whether to stop.
          await sleep(Math.ceil(waitMs), undefined, { signal }).catch(() => undefined);
          continue;
        }
        // The records due by now, at least the one whose time has come: a batch of zero
        // would go round the loop again without ever sleeping.
        const due = Math.floor(((nowMs - paceStartMs) * run.rate) / 1000) + 1 - generated;
        size = Math.min(size, Math.max(due, 1));
      }
      const messages: Message[] = new Array(size);
      for (let i = 0; i < size; i++) messages[i] = generator.next();
      generated += size;
      if (inFlight !== undefined) await inFlight;
      report();
      inFlight = send(messages).then(() => {
        sent += size;
      });
      // Awaited before the next send; this only keeps a failure in the meantime from being
      // reported as unhandled.
      inFlight.catch(() => undefined);
      // A write to stdout that is a pipe or a file completes synchronously on Linux and
      // resolves in a microtask, so without this turn the loop would never let the event
      // loop see SIGINT, SIGTERM or the reader closing the pipe.
      await nextTurn();
    }
    await inFlight;
  } finally {
    await inFlight?.catch(() => undefined);
    await close();
  }
  return finish();
}

/**
 * Resolves `true` when `work` succeeds, `false` when `signal` aborts first; rejects when
 * `work` fails first. A failure after the abort is dropped: nobody waits for it any more.
 */
function settledBeforeAbort(work: Promise<void>, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal === undefined) return work.then(() => true);
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(false);
  }
  return new Promise<boolean>((resolve, reject) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      () => resolve(true),
      (error: unknown) => reject(error),
    ).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
