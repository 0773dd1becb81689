import type { Kafka, Producer, TopicMessages } from 'kafkajs';
import { DEFAULTS } from '../../config/defaults.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
import { encodeMovedMessage } from '../../runtime/moves/movedMessageCodec.js';
import type { MovedMessage, MoveTransport } from '../../runtime/moves/MoveTransport.js';
import { kafkaErrorOf } from './kafkaErrorOf.js';

/** Options of {@link KafkaMoveTransport}. */
export interface KafkaMoveTransportOptions {
  readonly kafka: Kafka;
  /** For error messages. */
  readonly brokers: string;
  /** One per move, in the job's order; each has `partitions` partitions. */
  readonly topics: readonly string[];
  readonly partitions: number;
  readonly gate?: BackpressureGate;
}

interface Queued {
  readonly value: string;
  readonly bytes: number;
  /** A watermark: it ends its message, so that a reader's batch ends where it advances. */
  readonly watermark: boolean;
}

/**
 * Sends moved records to the job's internal topics with an idempotent producer, many to a
 * Kafka message (see `packed`), one request at a time, so that each writer's messages keep their order in every partition (what the
 * reader's watermarks and duplicate ids rely on). Messages go out after a short linger or once
 * a request's worth is queued; `flush` resolves once every message queued before it is stored.
 * A failed request is queued again in front: copies it may have stored are dropped by id.
 */
export class KafkaMoveTransport implements MoveTransport {
  readonly partitions: number;
  private readonly producer: Producer;
  /** Per topic and partition (`move * partitions + partition`), the messages not yet stored. */
  private queues: Queued[][];
  private queuedBytes = 0;
  private sending: Promise<void> | undefined;
  private lingering: NodeJS.Timeout | undefined;
  private connected: Promise<void> | undefined;
  private lastError: unknown;

  constructor(private readonly options: KafkaMoveTransportOptions) {
    this.partitions = options.partitions;
    this.producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.queues = Array.from({ length: options.topics.length * options.partitions }, () => []);
  }

  send(move: number, partition: number, message: MovedMessage): void {
    const value = encodeMovedMessage(message);
    // UTF-8 bytes: a budget in characters would let text outside ASCII pass the broker's limit.
    const bytes = Buffer.byteLength(value) + 16;
    this.queues[move * this.partitions + partition]!.push({ value, bytes, watermark: message.kind === 'watermark' });
    this.queuedBytes += bytes;
    if (this.queuedBytes >= DEFAULTS.kafka.moveBufferBytes) this.options.gate?.close();
    if (this.queuedBytes >= DEFAULTS.kafka.moveRequestBytes) this.kick();
    else this.lingering ??= setTimeout(() => this.kick(), DEFAULTS.kafka.moveLingerMs);
  }

  async flush(): Promise<void> {
    this.lastError = undefined;
    // Until nothing is queued: messages queued while a request was on its way go out too.
    while (this.queuedBytes > 0 || this.sending !== undefined) {
      this.kick();
      await this.sending;
      if (this.lastError !== undefined) throw this.lastError;
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.lingering);
    await this.sending;
    await this.producer.disconnect().catch(() => undefined);
  }

  private kick(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    if (this.sending !== undefined || this.queuedBytes === 0) return;
    this.sending = this.sendAll().finally(() => {
      this.sending = undefined;
      if (this.lastError === undefined && this.queuedBytes > 0) this.kick();
    });
  }

  /** One request per round, each partition's next messages up to the request budget. */
  private async sendAll(): Promise<void> {
    while (this.queuedBytes > 0) {
      const round: Queued[][] = this.queues.map((queue) => {
        let bytes = 0;
        let count = 0;
        while (count < queue.length && (count === 0 || bytes + queue[count]!.bytes <= DEFAULTS.kafka.moveRequestBytes)) bytes += queue[count++]!.bytes;
        return queue.slice(0, count);
      });
      this.queues = this.queues.map((queue, i) => queue.slice(round[i]!.length));
      const roundBytes = round.reduce((sum, messages) => sum + messages.reduce((s, m) => s + m.bytes, 0), 0);
      try {
        this.connected ??= this.producer.connect();
        await this.connected;
        await this.producer.sendBatch({ acks: -1, topicMessages: this.topicMessages(round) });
      } catch (error) {
        this.queues = this.queues.map((queue, i) => round[i]!.concat(queue));
        this.connected = undefined;
        this.lastError = kafkaErrorOf(error, { brokers: this.options.brokers, topic: this.options.topics.join(', ') });
        return;
      }
      this.queuedBytes -= roundBytes;
      if (this.queuedBytes < DEFAULTS.kafka.moveBufferBytes / 2) this.options.gate?.open();
    }
  }

  private topicMessages(round: readonly Queued[][]): TopicMessages[] {
    const { topics, partitions } = this.options;
    return topics
      .map((topic, move) => ({
        topic,
        messages: round
          .slice(move * partitions, (move + 1) * partitions)
          .flatMap((queued, partition) => packed(queued).map((value) => ({ partition, value }))),
      }))
      .filter((topic) => topic.messages.length > 0);
  }
}

/**
 * Moved messages as Kafka messages of up to `DEFAULTS.kafka.movePackBytes`, one moved message a
 * line (JSON never holds a raw newline), each watermark the last line of its Kafka message.
 */
function packed(queued: readonly Queued[]): string[] {
  const values: string[] = [];
  let lines: string[] = [];
  let bytes = 0;
  for (const { value, bytes: size, watermark } of queued) {
    lines.push(value);
    bytes += size;
    if (watermark || bytes >= DEFAULTS.kafka.movePackBytes) {
      values.push(lines.join('\n'));
      lines = [];
      bytes = 0;
    }
  }
  if (lines.length > 0) values.push(lines.join('\n'));
  return values;
}
