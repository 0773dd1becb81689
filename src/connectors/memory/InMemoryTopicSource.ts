import { Observable, type Subscriber } from '../../rxjs.js';
import { DEFAULTS } from '../../config/defaults.js';
import type { RecordBatch } from '../../operators/RecordBatch.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
import type { Source } from '../../runtime/Source.js';
import type { InMemoryTopic } from './InMemoryTopic.js';

/** Options of {@link InMemoryTopicSource}. */
export interface InMemoryTopicSourceOptions {
  readonly topic: InMemoryTopic;
  /** Awaited between reads: a full sink holds the partitions back. */
  readonly gate?: BackpressureGate;
  /** Told after each read how many records the partition holds beyond it (its consumer lag). */
  readonly onLag?: (partition: number, lag: number) => void;
}

/**
 * Reads every partition of an {@link InMemoryTopic} from its first offset, as the Kafka source
 * reads a topic: each partition's records in offset order, in batches of up to
 * `DEFAULTS.kafka.chunkRecords`, with offsets as positions, so that each partition has its own
 * watermark and windows. Unbounded: it waits for appends until the job stops.
 */
export class InMemoryTopicSource implements Source {
  readonly batches: Observable<RecordBatch<string>>;
  readonly partitionCount: number;
  private readonly nextOffsets: number[];
  private subscriber: Subscriber<RecordBatch<string>> | undefined;
  private draining = false;
  private pending = false;
  private stopListening: (() => void) | undefined;

  constructor(private readonly options: InMemoryTopicSourceOptions) {
    this.partitionCount = options.topic.partitions;
    this.nextOffsets = new Array<number>(options.topic.partitions).fill(0);
    this.batches = new Observable<RecordBatch<string>>((subscriber) => {
      this.subscriber = subscriber;
      this.stopListening = options.topic.onAppend(() => this.drainSoon());
      this.drainSoon();
      return () => this.close();
    });
  }

  async close(): Promise<void> {
    this.subscriber = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
  }

  /** One drain per turn of the event loop however many records were appended in it. */
  private drainSoon(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      const { topic, gate, onLag } = this.options;
      let read = true;
      while (read && this.subscriber !== undefined) {
        read = false;
        for (let partition = 0; partition < topic.partitions; partition++) {
          const { records, firstOffset } = topic.read(partition, this.nextOffsets[partition]!, DEFAULTS.kafka.chunkRecords);
          if (records.length === 0) continue;
          read = true;
          const positions = new Array<number>(records.length);
          for (let i = 0; i < records.length; i++) positions[i] = firstOffset + i;
          this.nextOffsets[partition] = firstOffset + records.length;
          this.subscriber?.next({ partition, records, positions });
          onLag?.(partition, topic.endOffset(partition) - this.nextOffsets[partition]!);
        }
        if (gate !== undefined && !gate.isOpen) await gate.whenOpen();
      }
    } finally {
      this.draining = false;
    }
  }
}
