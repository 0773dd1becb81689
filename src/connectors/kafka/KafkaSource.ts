import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Observable, Subscriber } from 'rxjs';
import type { PartitionCheckpoint } from '../../operators/PartitionCheckpoint.js';
import type { RecordBatch } from '../../operators/RecordBatch.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
import type { OutputMarks, ResumePoint } from '../../runtime/OutputMarks.js';
import type { Source, SourceCommit } from '../../runtime/Source.js';
import { DEFAULTS } from '../../config/defaults.js';
import { kafkaErrorOf, type KafkaErrorContext } from './kafkaErrorOf.js';
import { KafkaRequestError } from './KafkaRequestError.js';
import { KafkaTopicMissingError } from './KafkaTopicMissingError.js';

/** Options of {@link KafkaSource}. */
export interface KafkaSourceOptions {
  readonly kafka: Kafka;
  /** For error messages. */
  readonly brokers: string;
  readonly topic: string;
  readonly groupId: string;
  /** Read each partition up to its end offset as of the start, then complete. */
  readonly bounded: boolean;
  /** Awaited after each batch: a full sink holds the partitions back. */
  readonly gate?: BackpressureGate;
  /** Told when the group assignment changes, for logs. */
  readonly onAssignment?: (partitions: readonly number[]) => void;
  /** Told after each fetch how many records the partition holds beyond it (its consumer lag). */
  readonly onLag?: (partition: number, lag: number) => void;
}

const EMPTY = new Uint8Array(0);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
/** Queued after the last batch of a bounded read. */
const END = Symbol('end');

/**
 * Reads a topic with a kafkajs consumer group: each fetched batch is emitted as
 * {@link RecordBatch}es of up to 1024 records, with Kafka offsets as positions.
 *
 * Offsets are never committed automatically: the runtime commits a partition up to the lowest
 * offset its open windows still need, once their outputs are written, with a
 * {@link PartitionCheckpoint} as commit metadata. After every (re)assignment the first batch of
 * each partition carries that checkpoint as `restore`, and partitions that moved away are
 * sent as `revoked`, so that a partition's results never depend on which instance reads it.
 */
export class KafkaSource implements Source {
  readonly batches: Observable<RecordBatch<Uint8Array>>;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private assigned = new Set<number>();
  private generation = 0;
  /** Generation in which each partition last had its checkpoint restored. */
  private readonly restoredIn = new Map<number, number>();
  private checkpoints: Promise<Map<number, PartitionCheckpoint | null>> | undefined;
  /** Bounded mode: the offset to stop at, per partition, and where each one stands. */
  private endOffsets: Map<number, number> | undefined;
  private readonly nextOffsets = new Map<number, number>();
  /** `offset/replayUntil` of each partition's last commit by this instance. */
  private readonly lastCommitted = new Map<number, string>();
  /** The group's commits when this source started (see commitsAtStart). */
  private startCommits: ReturnType<Admin['fetchOffsets']> | undefined;
  private subscriber: Subscriber<RecordBatch<Uint8Array>> | undefined;
  private completed = false;
  /** Connecting and checking the topic: `connect()`, or the start of the subscription. */
  private connecting: Promise<void> | undefined;
  /** The consumer's start-up, which `close` must outwait: a consumer started after it would run forever. */
  private starting: Promise<void> | undefined;
  private readonly errorContext: KafkaErrorContext;
  private closed = false;
  /** kafkajs is restarting the consumer after a retriable crash, until it rejoins the group. */
  private restarting = false;
  /**
   * Batches kafkajs has handed over, pushed downstream on the next turn of the event loop.
   * kafkajs fetches again only once `eachBatch` returns, so returning at once lets the broker
   * prepare the next fetch while this one is processed. At most one fetch is queued: kafkajs
   * cannot deliver another while the queue is being drained, and the gate holds it back when
   * the sink is full.
   */
  private readonly queue: (RecordBatch<Uint8Array> | typeof END)[] = [];
  private draining = false;

  constructor(private readonly options: KafkaSourceOptions) {
    this.errorContext = { brokers: options.brokers, topic: options.topic, topicIsInput: true, group: options.groupId };
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: DEFAULTS.kafka.sessionTimeoutMs,
      ...DEFAULTS.kafkaFetch,
    });
    this.admin = options.kafka.admin();
    this.batches = new Observable<RecordBatch<Uint8Array>>((subscriber) => {
      this.subscriber = subscriber;
      this.starting = this.start().catch((error: unknown) => {
        if (!this.closed) subscriber.error(kafkaErrorOf(error, this.errorContext));
      });
      return () => {
        this.subscriber = undefined;
      };
    });
  }

  /**
   * Connects to the brokers and checks that the topic exists, failing with what is wrong
   * (unreachable brokers, a missing topic, refused authentication). Subscribing to `batches`
   * does this too; calling it first lets a caller find out before it opens its outputs.
   */
  connect(): Promise<void> {
    this.connecting ??= this.connectAdmin().catch((error: unknown) => {
      throw kafkaErrorOf(error, this.errorContext);
    });
    return this.connecting;
  }

  /** Partitions this instance owns now. */
  get assignment(): readonly number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  /**
   * Commits each partition whose checkpoint moved, with the checkpoint and the outputs' marks
   * as metadata (`{"m","r","t","o"}`; `o`, the file lengths, only when the job writes files).
   * A partition is committed when its replay boundary moved even if its offset did not (a
   * window open for long): the outputs' marks cover its records up to that boundary, so a
   * restart must not replay them from an older one.
   */
  async commit(commits: ReadonlyMap<number, SourceCommit>, marks?: OutputMarks): Promise<void> {
    const offsets = [];
    const committed: [number, string][] = [];
    for (const [partition, { safePosition, checkpoint }] of commits) {
      const key = `${safePosition}/${checkpoint.replayUntil}`;
      // A partition that moved away is its new owner's to commit.
      if (!this.assigned.has(partition) || this.lastCommitted.get(partition) === key) continue;
      committed.push([partition, key]);
      offsets.push({
        topic: this.options.topic,
        partition,
        offset: String(safePosition),
        metadata: JSON.stringify({
          m: Number.isFinite(checkpoint.maxTimestampMs) ? checkpoint.maxTimestampMs : null,
          r: checkpoint.replayUntil,
          ...(marks === undefined ? {} : { t: marks.takenAtMs }),
          ...(marks === undefined || Object.keys(marks.outputBytes).length === 0 ? {} : { o: marks.outputBytes }),
        }),
      });
    }
    if (offsets.length === 0) return;
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (error) {
      // kafkajs refuses commits while it restarts a crashed consumer (a broker was away) as if
      // the consumer had never run: that passes once the consumer has rejoined its group.
      if (this.restarting) {
        throw new KafkaRequestError('the consumer is reconnecting to its group; the next commit retries', { retriable: true, cause: error });
      }
      // Retriable ones (a rebalance, a broker away) only cost this commit; the next one retries.
      throw kafkaErrorOf(error, this.errorContext);
    }
    for (const [partition, key] of committed) this.lastCommitted.set(partition, key);
  }

  /**
   * The outputs' marks of the group's last commits: the earliest partition's snapshot time,
   * and each output's greatest length. Every commit covers each partition whose records were
   * processed since its previous one, so the greatest length is that of the latest commit.
   */
  async resumePoint(): Promise<ResumePoint | undefined> {
    await this.connect();
    const fetched = await this.commitsAtStart();
    let committedAtMs = Infinity;
    const outputBytes = new Map<string, number>();
    for (const { metadata } of fetched[0]?.partitions ?? []) {
      const marks = parseMarks(metadata);
      if (marks === undefined) continue;
      committedAtMs = Math.min(committedAtMs, marks.takenAtMs);
      for (const [key, bytes] of Object.entries(marks.outputBytes)) outputBytes.set(key, Math.max(outputBytes.get(key) ?? 0, bytes));
    }
    return committedAtMs === Infinity ? undefined : { committedAtMs, outputBytes };
  }

  /**
   * Stops consuming and disconnects. Safe at any moment, also while the consumer is still
   * connecting or joining its group (a SIGTERM right after start-up).
   */
  async close(): Promise<void> {
    this.closed = true;
    this.subscriber = undefined;
    // A batch waiting for a full sink would hold `disconnect` back; nothing reads it any more.
    this.options.gate?.open();
    await this.connecting?.catch(() => undefined);
    await this.starting;
    // The consumer first: its disconnect waits for the batch in hand, which may still be
    // reading checkpoints through the admin client (an admin call reconnects it).
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  private async connectAdmin(): Promise<void> {
    await this.admin.connect();
    if (this.closed) return;
    // Without this check kafkajs reports a missing topic as a partition no broker hosts.
    if (!(await this.admin.listTopics()).includes(this.options.topic)) {
      throw new KafkaTopicMissingError(this.options.topic, this.options.brokers);
    }
  }

  private async start(): Promise<void> {
    const { topic, groupId } = this.options;
    await this.connect();
    if (this.closed) return;
    if (this.options.bounded) {
      const [ends, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(topic),
        this.commitsAtStart(),
      ]);
      this.endOffsets = new Map(ends.map((p) => [p.partition, Number(p.high)]));
      const committedOffsets = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
      for (const p of ends) {
        const start = committedOffsets.get(p.partition) ?? -1;
        this.nextOffsets.set(p.partition, start >= 0 ? start : Number(p.low));
      }
      if (this.boundedDone()) return;
    }
    if (this.closed) return;
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => this.onJoin(event.payload.memberAssignment[topic] ?? []));
    // kafkajs restarts a crashed consumer itself when the error is retriable; when it gives
    // up, the job must stop with the reason rather than wait for batches that never come.
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart && !this.closed) this.subscriber?.error(kafkaErrorOf(event.payload.error, this.errorContext));
      else this.restarting = true;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topic], fromBeginning: true });
    if (this.closed) return;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private onJoin(partitions: number[]): void {
    this.restarting = false;
    this.generation++;
    // Read while the first fetch is on its way rather than after it arrives. A failure here
    // is left to the first batch, which awaits this and retries the read.
    const checkpoints = this.loadCheckpoints();
    this.checkpoints = checkpoints;
    checkpoints.catch(() => {
      if (this.checkpoints === checkpoints) this.checkpoints = undefined;
    });
    const now = new Set(partitions);
    for (const partition of this.assigned) {
      if (!now.has(partition)) this.enqueue({ partition, records: [], revoked: true });
    }
    this.assigned = now;
    this.options.onAssignment?.(this.assignment);
  }

  private async onBatch({ batch, isStale, heartbeat }: EachBatchPayload): Promise<void> {
    if (this.subscriber === undefined || this.completed || isStale()) return;
    const { partition } = batch;
    let restore: PartitionCheckpoint | null | undefined;
    if (this.restoredIn.get(partition) !== this.generation) {
      this.checkpoints ??= this.loadCheckpoints();
      restore = (await this.checkpoints).get(partition) ?? null;
      if (this.subscriber === undefined) return;
      this.restoredIn.set(partition, this.generation);
    }
    const end = this.endOffsets?.get(partition) ?? Infinity;
    const messages = batch.messages;
    // A fetch holds thousands of records per partition; handing them on in chunks lets each
    // chunk's parsed records die young instead of being promoted by the garbage collector.
    for (let from = 0; from < messages.length; from += DEFAULTS.kafka.chunkRecords) {
      const to = Math.min(from + DEFAULTS.kafka.chunkRecords, messages.length);
      const records: Uint8Array[] = [];
      const positions: number[] = [];
      for (let i = from; i < to; i++) {
        const offset = Number(messages[i]!.offset);
        if (offset >= end) break;
        records.push(messages[i]!.value ?? EMPTY);
        positions.push(offset);
      }
      if (positions.length === 0) break;
      this.nextOffsets.set(partition, positions[positions.length - 1]! + 1);
      this.enqueue(from === 0 ? { partition, records, positions, restore } : { partition, records, positions });
    }
    if (messages.length === 0 && restore !== undefined) this.enqueue({ partition, records: [], restore });
    const next = this.nextOffsets.get(partition);
    if (next !== undefined) this.options.onLag?.(partition, Math.max(0, Number(batch.highWatermark) - next));
    if (this.endOffsets !== undefined && this.boundedDone()) return;
    // A full sink holds the fetch loop here (kafkajs fetches no more until this returns). The
    // wait may outlast the session timeout while InfluxDB is down, so keep heartbeating, or
    // the group would take the partitions away from a consumer that is only waiting.
    const gate = this.options.gate;
    while (gate !== undefined && !gate.isOpen && !this.closed) {
      await Promise.race([gate.whenOpen(), sleep(DEFAULTS.kafka.heartbeatWhilePausedMs)]);
      await heartbeat().catch(() => undefined);
    }
  }

  private enqueue(item: RecordBatch<Uint8Array> | typeof END): void {
    this.queue.push(item);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.draining = false;
    // Index, then one truncation: shift() per batch would copy the array each time.
    const items = this.queue;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item === END) this.subscriber?.complete();
      else this.subscriber?.next(item);
    }
    items.length = 0;
  }

  /** Completes the batches once every partition has reached its end offset. */
  private boundedDone(): boolean {
    for (const [partition, end] of this.endOffsets!) {
      if ((this.nextOffsets.get(partition) ?? 0) < end) return false;
    }
    if (!this.completed) {
      this.completed = true;
      this.enqueue(END);
    }
    return true;
  }

  /**
   * The group's commits as they stood when this source started, read once for both the outputs'
   * resume point and a bounded run's start offsets.
   */
  private commitsAtStart(): ReturnType<Admin['fetchOffsets']> {
    this.startCommits ??= this.admin.fetchOffsets({ groupId: this.options.groupId, topics: [this.options.topic] });
    return this.startCommits;
  }

  /** The checkpoints committed with the group's offsets, read once per assignment. */
  private async loadCheckpoints(): Promise<Map<number, PartitionCheckpoint | null>> {
    const fetched = await this.admin.fetchOffsets({ groupId: this.options.groupId, topics: [this.options.topic] });
    const checkpoints = new Map<number, PartitionCheckpoint | null>();
    for (const { partition, metadata } of fetched[0]?.partitions ?? []) {
      checkpoints.set(partition, parseCheckpoint(metadata));
    }
    return checkpoints;
  }
}

function parseCheckpoint(metadata: string | null): PartitionCheckpoint | null {
  if (metadata === null || metadata === '') return null;
  try {
    const { m, r } = JSON.parse(metadata) as { m: number | null; r: number };
    if (typeof r !== 'number') return null;
    return { maxTimestampMs: m ?? -Infinity, replayUntil: r };
  } catch {
    return null;
  }
}

/** The outputs' marks stored with a commit, when it has them. */
function parseMarks(metadata: string | null): OutputMarks | undefined {
  if (metadata === null || metadata === '') return undefined;
  try {
    const { t, o } = JSON.parse(metadata) as { t?: unknown; o?: unknown };
    if (typeof t !== 'number') return undefined;
    const outputBytes: Record<string, number> = {};
    for (const [key, bytes] of Object.entries(typeof o === 'object' && o !== null ? o : {})) {
      if (Number.isSafeInteger(bytes) && (bytes as number) >= 0) outputBytes[key] = bytes as number;
    }
    return { takenAtMs: t, outputBytes };
  } catch {
    return undefined;
  }
}
