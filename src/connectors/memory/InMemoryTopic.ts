import { ConfigError } from '../../errors/ConfigError.js';

/** Records of one partition from an offset on, as {@link InMemoryTopic.read} returns them. */
export interface TopicRead {
  readonly records: readonly string[];
  /** Offset of `records[0]`: later than asked when retention dropped the records asked for. */
  readonly firstOffset: number;
}

/**
 * A topic held in memory: partitions of records with offsets, appended by key (one key stays
 * on one partition, as Kafka's default partitioner keeps it) and read from an offset, so a job
 * reads it as it reads Kafka. Each partition keeps at most `retainRecords` of its newest records;
 * a reader behind them resumes at the oldest one kept, as Kafka's `auto.offset.reset=earliest`.
 *
 * @example const topic = new InMemoryTopic(3, 100_000); topic.append('home', '{"url":"home",…}');
 */
export class InMemoryTopic {
  private readonly logs: string[][];
  /** Offset of each partition's first record still kept. */
  private readonly baseOffsets: number[];
  private listeners = new Set<(partition: number) => void>();

  constructor(
    readonly partitions: number,
    private readonly retainRecords: number,
  ) {
    if (!Number.isSafeInteger(partitions) || partitions < 1) throw new ConfigError('partitions', `${partitions} must be a whole number of at least 1`);
    if (!Number.isSafeInteger(retainRecords) || retainRecords < 1) throw new ConfigError('retainRecords', `${retainRecords} must be a whole number of at least 1`);
    this.logs = Array.from({ length: partitions }, () => []);
    this.baseOffsets = new Array<number>(partitions).fill(0);
  }

  /** The partition a key goes to: a string hash modulo the partition count, stable across runs. */
  partitionOf(key: string): number {
    let hash = 0;
    for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
    return (hash >>> 0) % this.partitions;
  }

  /** Appends a record to its key's partition; returns its offset. */
  append(key: string, value: string): number {
    const partition = this.partitionOf(key);
    const log = this.logs[partition]!;
    log.push(value);
    if (log.length > this.retainRecords) {
      // Dropped in chunks: shifting one record at a time would copy the whole log per append.
      const drop = log.length - this.retainRecords + Math.ceil(this.retainRecords / 4);
      log.splice(0, drop);
      this.baseOffsets[partition]! += drop;
    }
    for (const listener of this.listeners) listener(partition);
    return this.endOffset(partition) - 1;
  }

  /** One past the partition's last offset: Kafka's high watermark. */
  endOffset(partition: number): number {
    return this.baseOffsets[partition]! + this.logs[partition]!.length;
  }

  /** Up to `max` records of a partition from `offset` on. */
  read(partition: number, offset: number, max: number): TopicRead {
    const base = this.baseOffsets[partition]!;
    const from = Math.max(offset, base);
    return { records: this.logs[partition]!.slice(from - base, from - base + max), firstOffset: from };
  }

  /** Calls `listener` with the partition after every append, until the returned function is called. */
  onAppend(listener: (partition: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
