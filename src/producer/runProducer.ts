import type { Kafka, Message } from 'kafkajs';
import { ensureTopic } from '../connectors/kafka/ensureTopic.js';
import { KafkaUnavailableError } from '../connectors/kafka/KafkaUnavailableError.js';
import { ClickstreamGenerator, type GeneratorOptions } from './ClickstreamGenerator.js';

/** What {@link runProducer} does and where. */
export interface ProducerRun {
  readonly generator: GeneratorOptions;
  /** Stop after this many records; with `durationMs` unset too, run until `signal` aborts. */
  readonly count?: number;
  readonly durationMs?: number;
  /** Records per second; unset: as fast as the broker takes them. */
  readonly rate?: number;
  readonly batchSize: number;
  readonly signal?: AbortSignal;
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Generates records and sends them in batches until the count, the duration or the signal
 * ends the run. Kafka sends are idempotent with `acks: -1`; a batch that still fails after
 * the client's retries ends the run with a {@link KafkaUnavailableError}.
 */
export async function runProducer(run: ProducerRun, target: ProducerTarget): Promise<ProducerProgress> {
  const generator = new ClickstreamGenerator(run.generator);
  const startedMs = Date.now();
  let sent = 0;
  const progress = (): ProducerProgress => ({ sent, elapsedMs: Date.now() - startedMs });

  let send: (messages: Message[]) => Promise<void>;
  let close = async () => {};
  if (target.kind === 'kafka') {
    const producer = target.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    try {
      await ensureTopic(target.kafka, target.topic, target.partitions);
      await producer.connect();
    } catch (error) {
      throw new KafkaUnavailableError(target.brokers, error);
    }
    send = async (messages) => {
      try {
        await producer.send({ topic: target.topic, acks: -1, messages });
      } catch (error) {
        throw new KafkaUnavailableError(target.brokers, error);
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
  const stop = () =>
    run.signal?.aborted === true ||
    (run.count !== undefined && generated >= run.count) ||
    (run.durationMs !== undefined && Date.now() - startedMs >= run.durationMs);
  try {
    while (!stop()) {
      let size = run.batchSize;
      if (run.count !== undefined) size = Math.min(size, run.count - generated);
      if (run.rate !== undefined) {
        // Pace against the schedule rather than sleeping a fixed time per batch, so that the
        // rate holds however long each send takes.
        const dueMs = startedMs + (generated * 1000) / run.rate;
        const waitMs = dueMs - Date.now();
        if (waitMs > 0) await sleep(Math.min(waitMs, 100));
        const allowed = Math.floor(((Date.now() - startedMs) * run.rate) / 1000) - generated;
        size = Math.min(size, Math.max(allowed, 0));
        if (size === 0) continue;
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
    }
    await inFlight;
  } finally {
    await inFlight?.catch(() => undefined);
    await close();
  }
  const final = progress();
  run.onProgress?.(final);
  return final;
}
