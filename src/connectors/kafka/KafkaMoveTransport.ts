import type { Kafka, Producer, TopicMessages } from 'kafkajs';
import { DEFAULTS } from '../../config/defaults.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
import { MovedMessagePacker } from '../../runtime/moves/movedMessageCodec.js';
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

/** Stored Kafka messages a queue drops at once, when they are at least half of it. */
const COMPACT_AFTER = 1024;

/** A Kafka message of moved messages, packed, waiting to be stored. */
interface PackedMessage {
  readonly value: Buffer;
  /** Moved messages it holds. */
  readonly count: number;
  /** Their bytes: what they added to `queuedBytes`. */
  readonly bytes: number;
}

/**
 * Sends moved records to the job's internal topics with an idempotent producer, many to a
 * Kafka message (see `MovedMessagePacker`), one request at a time, so that each writer's messages keep their order in every partition (what the
 * reader's watermarks and duplicate ids rely on). Messages go out after a short linger or once
 * a request's worth is queued; `flush` resolves once every message queued before it is stored,
 * whatever was queued since.
 * A failed request leaves its messages in front, to go again: copies it may have stored are dropped by id.
 */
export class KafkaMoveTransport implements MoveTransport {
  readonly partitions: number;
  private readonly producer: Producer;
  /** Per topic and partition (`move * partitions + partition`), the Kafka message being packed. */
  private readonly packers: MovedMessagePacker[];
  /** Per topic and partition, the packed Kafka messages not yet stored. */
  private readonly queues: PackedMessage[][];
  /** Per queue, the messages ever queued and those stored: a flush waits for the first as it was. */
  private readonly queuedTotal: number[];
  private readonly storedTotal: number[];
  /** Per queue, how many messages at its front are stored already. */
  private readonly heads: number[];
  private queuedBytes = 0;
  private sending: Promise<void> | undefined;
  private lingering: NodeJS.Timeout | undefined;
  private connected: Promise<void> | undefined;
  private lastError: unknown;

  constructor(private readonly options: KafkaMoveTransportOptions) {
    this.partitions = options.partitions;
    this.producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.packers = Array.from({ length: options.topics.length * options.partitions }, () => new MovedMessagePacker(DEFAULTS.kafka.movePackBytes));
    this.queues = this.packers.map(() => []);
    this.queuedTotal = this.queues.map(() => 0);
    this.storedTotal = this.queues.map(() => 0);
    this.heads = this.queues.map(() => 0);
  }

  send(move: number, partition: number, message: MovedMessage): void {
    const queue = move * this.partitions + partition;
    const packer = this.packers[queue]!;
    const bytes = packer.append(message);
    // A watermark ends its Kafka message, so that a reader's batch ends where the watermark advances.
    if (message.kind === 'watermark' || packer.bytes >= DEFAULTS.kafka.movePackBytes) this.seal(queue);
    this.queuedTotal[queue]!++;
    this.queuedBytes += bytes;
    if (this.queuedBytes >= DEFAULTS.kafka.moveBufferBytes) this.options.gate?.close();
    if (this.queuedBytes >= DEFAULTS.kafka.moveRequestBytes) this.kick();
    else this.lingering ??= setTimeout(() => this.kick(), DEFAULTS.kafka.moveLingerMs);
  }

  async flush(): Promise<void> {
    this.lastError = undefined;
    // What is queued now, and only that: a flush that also waited for what the job queues while
    // it runs would take as long as the producer lags behind, and hold the commit back with it.
    const target = [...this.queuedTotal];
    const stored = () => target.every((total, i) => this.storedTotal[i]! >= total);
    while (!stored()) {
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

  /** Queues the Kafka message a queue's packer holds, if any. */
  private seal(queue: number): void {
    const packer = this.packers[queue]!;
    const count = packer.count;
    const bytes = packer.bytes;
    const value = packer.take();
    if (value !== undefined) this.queues[queue]!.push({ value, count, bytes });
  }

  private kick(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    if (this.sending !== undefined || this.queuedBytes === 0) return;
    this.sending = this.sendRound().finally(() => {
      this.sending = undefined;
      if (this.lastError === undefined && this.queuedBytes > 0) this.kick();
    });
  }

  /**
   * One request: each partition's next messages up to the request budget. They stay queued
   * until stored, so a failed request leaves them in front, to go again.
   */
  private async sendRound(): Promise<void> {
    for (let i = 0; i < this.packers.length; i++) this.seal(i);
    const round: PackedMessage[][] = this.queues.map((queue, i) => {
      const head = this.heads[i]!;
      let bytes = 0;
      let end = head;
      while (end < queue.length && (end === head || bytes + queue[end]!.bytes <= DEFAULTS.kafka.moveRequestBytes)) bytes += queue[end++]!.bytes;
      return queue.slice(head, end);
    });
    let roundBytes = 0;
    for (const messages of round) for (const message of messages) roundBytes += message.bytes;
    try {
      this.connected ??= this.producer.connect();
      await this.connected;
      await this.producer.sendBatch({ acks: -1, topicMessages: this.topicMessages(round) });
    } catch (error) {
      this.connected = undefined;
      this.lastError = kafkaErrorOf(error, { brokers: this.options.brokers, topic: this.options.topics.join(', ') });
      return;
    }
    for (let i = 0; i < round.length; i++) {
      const head = this.heads[i]! + round[i]!.length;
      for (const message of round[i]!) this.storedTotal[i]! += message.count;
      // Stored messages are dropped in bulk: cutting each round's off the front would copy the
      // whole queue every round, and the queue can hold hundreds of thousands while Kafka lags.
      if (head >= COMPACT_AFTER && head * 2 >= this.queues[i]!.length) {
        this.queues[i] = this.queues[i]!.slice(head);
        this.heads[i] = 0;
      } else {
        this.heads[i] = head;
      }
    }
    this.queuedBytes -= roundBytes;
    if (this.queuedBytes < DEFAULTS.kafka.moveBufferBytes / 2) this.options.gate?.open();
  }

  private topicMessages(round: readonly PackedMessage[][]): TopicMessages[] {
    const { topics, partitions } = this.options;
    return topics
      .map((topic, move) => ({
        topic,
        messages: round.slice(move * partitions, (move + 1) * partitions).flatMap((queued, partition) => queued.map(({ value }) => ({ partition, value }))),
      }))
      .filter((topic) => topic.messages.length > 0);
  }
}
