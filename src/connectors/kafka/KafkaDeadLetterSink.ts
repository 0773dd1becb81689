import type { Kafka, Message, Producer } from 'kafkajs';
import type { InvalidRecord } from '../../events/InvalidRecord.js';
import type { DeadLetterSink } from '../../runtime/DeadLetterSink.js';
import { DEFAULTS } from '../../config/defaults.js';
import { ensureTopic } from './ensureTopic.js';
import { kafkaErrorOf } from './kafkaErrorOf.js';

/** Options of {@link KafkaDeadLetterSink}. */
export interface KafkaDeadLetterSinkOptions {
  readonly kafka: Kafka;
  readonly brokers: string;
  /** The dead-letter topic; created (one partition) when missing. */
  readonly topic: string;
  /** The topic the records came from, for the `source.topic` header. */
  readonly sourceTopic: string;
  /**
   * The highest source offset per source partition the topic already holds from the run
   * before a crash ({@link readDeadLetteredPositions}): records up to it are not sent again.
   */
  readonly alreadyDeadLettered?: ReadonlyMap<number, number>;
}

/**
 * Sends each invalid record to a dead-letter topic: the original bytes as value, and the
 * `reason`, `detail`, `source.topic`, `source.partition` and `source.offset` as headers.
 * Records are batched and sent on `flush` (idempotent, `acks: -1`), which the runtime awaits
 * before it commits the source, and only then. After a crash, records the topic already holds
 * (by source partition and offset) are not sent again, so each invalid record is in the topic once.
 */
export class KafkaDeadLetterSink implements DeadLetterSink {
  private readonly producer: Producer;
  private buffer: Message[] = [];
  private ready: Promise<void> | undefined;

  constructor(private readonly options: KafkaDeadLetterSinkOptions) {
    this.producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  write(record: InvalidRecord): void {
    if (record.position <= (this.options.alreadyDeadLettered?.get(record.partition) ?? -1)) return;
    this.buffer.push({
      key: null,
      value: typeof record.raw === 'string' ? record.raw : Buffer.from(record.raw.buffer, record.raw.byteOffset, record.raw.byteLength),
      headers: {
        reason: record.reason,
        detail: record.detail,
        'source.topic': this.options.sourceTopic,
        'source.partition': String(record.partition),
        'source.offset': String(record.position),
      },
    });
  }

  /**
   * Sends what was written before the call, in requests of at most
   * `DEFAULTS.kafka.deadLetterRequestBytes`: a broker refuses a record batch over its
   * `message.max.bytes` (1 MB by default), and a commit interval can hold thousands of dead letters.
   */
  async flush(): Promise<void> {
    let unsent = this.buffer;
    this.buffer = [];
    try {
      if (unsent.length === 0) return;
      this.ready ??= ensureTopic(this.options.kafka, this.options.topic, 1).then(() => this.producer.connect());
      await this.ready;
      while (unsent.length > 0) {
        const count = requestSize(unsent);
        await this.producer.send({ topic: this.options.topic, acks: -1, messages: unsent.slice(0, count) });
        unsent = unsent.slice(count);
      }
    } catch (error) {
      this.buffer = unsent.concat(this.buffer);
      this.ready = undefined;
      throw kafkaErrorOf(error, { brokers: this.options.brokers, topic: this.options.topic });
    }
  }

  /**
   * Disconnects, sending nothing more: the runtime flushes before its last commit, so what is
   * left here is what a failed job read after its last commit. A restart reads those records
   * again and sends them then; sent now, a group without a commit would find no resume point
   * to recognize them by, and the topic would get them twice.
   */
  async close(): Promise<void> {
    this.buffer = [];
    await this.producer.disconnect();
  }
}

/** How many of the first messages fit in one request: at least one, else up to the byte budget. */
function requestSize(messages: readonly Message[]): number {
  let bytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const { value, headers } = messages[i]!;
    // Values are strings or Buffers; headers are short strings. 64 bytes: a record's own framing.
    bytes += 64 + (typeof value === 'string' ? Buffer.byteLength(value) : (value?.length ?? 0));
    for (const header of Object.values(headers ?? {})) bytes += 32 + String(header).length;
    if (bytes > DEFAULTS.kafka.deadLetterRequestBytes && i > 0) return i;
  }
  return messages.length;
}
