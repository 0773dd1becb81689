import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Observable, Subscriber } from '../../rxjs.js';
import type { PartitionCheckpoint } from '../../operators/PartitionCheckpoint.js';
import type { MovedCheckpoint } from '../../runtime/moves/MovedCheckpoint.js';
import type { KafkaTimeRange } from './KafkaTimeRange.js';
import type { MoveTransport } from '../../runtime/moves/MoveTransport.js';
import { InternalTopicGapError } from '../../runtime/moves/InternalTopicGapError.js';
import type { RecordBatch } from '../../operators/RecordBatch.js';
import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
import type { OutputMarks, ResumePoint } from '../../runtime/OutputMarks.js';
import type { Source, SourceCommit } from '../../runtime/Source.js';
import { DEFAULTS } from '../../config/defaults.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { kafkaErrorOf, type KafkaErrorContext } from './kafkaErrorOf.js';
import { retryWhileLeadersMove } from './retryWhileLeadersMove.js';
import { KafkaRequestError } from './KafkaRequestError.js';
import { KafkaTopicMissingError } from './KafkaTopicMissingError.js';

/** Options of {@link KafkaSource}. */
export interface KafkaSourceOptions {
  readonly kafka: Kafka;
  /** For error messages. */
  readonly brokers: string;
  readonly topic: string;
  readonly groupId: string;
  /**
   * Read each partition up to its end offset as of the start, then complete: once every
   * partition of the topic is there, by this instance's reading or by the group's commits.
   */
  readonly bounded: boolean;
  /**
   * Bounded, a backfill: each partition is read from its first record at or after `fromMs`
   * (where a group without commits starts) up to its first at or after `toMs`, instead of from
   * the group's start to the end offset.
   */
  readonly timeRange?: KafkaTimeRange;
  /** Awaited after each batch: a full sink holds the partitions back. */
  readonly gate?: BackpressureGate;
  /** Told when the group assignment changes, for logs. */
  readonly onAssignment?: (partitions: readonly number[]) => void;
  /** Told after each fetch how many records the partition holds beyond it (its consumer lag). */
  readonly onLag?: (partition: number, lag: number) => void;
  /**
   * The job's internal topics (one per move between partitions), read in the same group, each
   * with `partitions` partitions: partition `p` of the `i`-th arrives as `(i + 1) * partitions + p`.
   */
  readonly internal?: { readonly topics: readonly string[]; readonly partitions: number };
  /** Where the job's moves go (see `Source.transport`); closed with the source. */
  readonly transport?: MoveTransport;
  /**
   * With internal topics: wall-clock time after which a held source partition without records,
   * and with none waiting, is sent as `idle` (see `RecordBatch.idle`).
   */
  readonly idleTimeoutMs?: number;
  /** See `ConnectorContext.fingerprint`: stored with every commit, and a group committed under another is refused. */
  readonly fingerprint?: string;
  /** Bounded: told every `DEFAULTS.kafka.boundedWaitReportMs` what the run still waits for, while it only waits. */
  readonly onWaiting?: (waitingFor: { readonly source: readonly number[]; readonly internal: readonly number[] }) => void;
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
 *
 * Bounded, it completes once every partition of the topic has reached the end offset it had
 * when this source started: a partition it holds by its own reading (each assignment starts at
 * the group's commits, so one committed at its end is there at once), any other by the group's
 * commit, polled while only those are missing. Waiting for every partition, not only those it
 * holds, keeps a restart after a kill -9 reading until the dead member's partitions come to it.
 * So that instances sharing the group never wait on each other's commits (a commit reaches the
 * end only once the partition's windows have fired), a held partition that reaches its end is
 * ended on its own with an `endOfInput` batch: its windows fire and the runtime commits it at
 * its end, where the other instances see it.
 */
export class KafkaSource implements Source {
  readonly batches: Observable<RecordBatch<Uint8Array>>;
  readonly transport: MoveTransport | undefined;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private assigned = new Set<number>();
  private generation = 0;
  /** Generation in which each partition last had its checkpoint restored. */
  private readonly restoredIn = new Map<number, number>();
  /** The group's commits as this assignment began. */
  private commits: Promise<GroupCommits> | undefined;
  /** Bounded mode: the offset to stop at, per partition of the topic at the start. */
  private endOffsets: Map<number, number> | undefined;
  /** Bounded mode: where a partition the group never committed starts, its first offset at the start. */
  private readonly firstOffsets = new Map<number, number>();
  /** The offset after the last one read, per partition held. */
  private readonly nextOffsets = new Map<number, number>();
  /** The generation whose commits `nextOffsets` started from: until then no partition counts as done. */
  private positionsOf = -1;
  /** Bounded mode: the generation in which each held partition was sent `endOfInput`. */
  private readonly endedIn = new Map<number, number>();
  /** Bounded mode: the group's latest known commits, which tell when partitions held elsewhere are done. */
  private groupOffsets: ReadonlyMap<number, number> = new Map();
  /**
   * Bounded mode: partitions of internal topics whose every writer has sent the end of its input
   * and whose windows fired and were committed, by this instance or, from the group's commits,
   * by another: a commit whose readers' watermarks are all infinite.
   */
  private readonly endedInternal = new Set<number>();
  /** Bounded mode: the next read of the group's commits, while only partitions held elsewhere are missing. */
  private pollTimer: NodeJS.Timeout | undefined;
  /** That read under way, which `close` outwaits: an admin call after its disconnect would reconnect it. */
  private polling: Promise<void> | undefined;
  /** `offset/replayUntil` of each partition's last commit by this instance, or of the commit it was restored from. */
  private readonly lastCommitted = new Map<number, string>();
  /** The same for the latest commit this instance sent, which the group may hold before its answer arrives. */
  private readonly sentCommits = new Map<number, string>();
  /** Source partitions held without a checkpoint of the group, until their first record is read. */
  private readonly unstarted = new Set<number>();
  /** Source partitions read from where a group without their checkpoint starts, not committed since: their first offset read. */
  private readonly starts = new Map<number, number>();
  /** When each partition was last restored from the group's commit: a snapshot taken before describes the state it replaced. */
  private readonly restoredAtMs = new Map<number, number>();
  /**
   * Partitions this instance held before the latest rebalance and holds again, with where it
   * had read them to: they go on from their state in memory rather than from the group's older
   * commit, so that nothing written since that commit is written again (see `continuesAt`).
   */
  private kept: { readonly generation: number; readonly positions: Map<number, number> } | undefined;
  /**
   * Kept partitions going on from memory in this generation: records below their `nextOffsets`
   * were read already. Kafka sends them again from the group's commit, and a fetch of the
   * generation before can still deliver a batch after the rebalance, so each batch is checked.
   */
  private readonly continuing = new Set<number>();
  /** The check that the group's commits are this run's (see checkGroup). */
  private groupChecked: Promise<void> | undefined;
  /** The group's commits when this source started (see commitsAtStart). */
  private startCommits: ReturnType<Admin['fetchOffsets']> | undefined;
  private subscriber: Subscriber<RecordBatch<Uint8Array>> | undefined;
  private completed = false;
  /** Connecting and checking the topic: `connect()`, or the start of the subscription. */
  private connecting: Promise<void> | undefined;
  /** The consumer's start-up, which `close` must outwait: a consumer started after it would run forever. */
  private starting: Promise<void> | undefined;
  private readonly errorContext: KafkaErrorContext;
  /** The source topic, then the internal ones: a partition's number is its topic's index times `stride`, plus its own. */
  private readonly topics: readonly string[];
  private readonly stride: number;
  private closed = false;
  /** For waits that closing should cut short. */
  private readonly isClosed = (): boolean => this.closed;
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
  /** Per held source partition: when it last had records, and whether records wait beyond the last fetch. */
  private readonly activity = new Map<number, { atMs: number; lagging: boolean; idle: boolean }>();
  private idleTimer: NodeJS.Timeout | undefined;
  private checkingLag: Promise<void> | undefined;
  /** Bounded: since when the run has only waited for other members, for `onWaiting`. */
  private waitingSinceMs: number | undefined;
  /** Internal topics: the trim below the commits under way. */
  private trimming: Promise<void> | undefined;
  /** The latest committed offset of each internal partition committed while a trim is under way. */
  private nextTrim: { topic: string; partition: number; offset: string }[] | undefined;
  private draining = false;

  constructor(private readonly options: KafkaSourceOptions) {
    this.errorContext = { brokers: options.brokers, topic: options.topic, topicIsInput: true, group: options.groupId };
    this.topics = [options.topic, ...(options.internal?.topics ?? [])];
    this.stride = options.internal?.partitions ?? 0;
    this.transport = options.transport;
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
    const taken = new Map<number, SourceCommit>();
    for (const [partition, commit] of commits) {
      // One restored since the snapshot was taken (it moved away and back) holds a newer commit
      // than the snapshot's, perhaps another member's.
      if (marks === undefined || (this.restoredAtMs.get(partition) ?? -Infinity) < marks.takenAtMs) taken.set(partition, commit);
    }
    await this.send(taken, marks);
  }

  uncommittedStarts(): number {
    return this.starts.size;
  }

  /**
   * Commits each source partition started without a checkpoint and not committed since at the
   * offset it started from, with an empty checkpoint: a restart from there is a fresh start, but
   * it finds the marks (see `Source.commitStarts`).
   */
  async commitStarts(marks: OutputMarks): Promise<void> {
    const commits = new Map<number, SourceCommit>();
    for (const [partition, offset] of this.starts) {
      if (this.assigned.has(partition)) commits.set(partition, { safePosition: offset, checkpoint: { maxTimestampMs: -Infinity, replayUntil: offset } });
      else this.starts.delete(partition);
    }
    await this.send(commits, marks);
    // Committed now, or at that start already: none is left for another try.
    for (const partition of commits.keys()) this.starts.delete(partition);
  }

  private async send(commits: ReadonlyMap<number, SourceCommit>, marks: OutputMarks | undefined): Promise<void> {
    const offsets = [];
    const committed: [number, string][] = [];
    for (const [partition, { safePosition, checkpoint }] of commits) {
      const key = `${safePosition}/${checkpoint.replayUntil}`;
      // A partition that moved away is its new owner's to commit.
      if (!this.assigned.has(partition) || this.lastCommitted.get(partition) === key) continue;
      committed.push([partition, key]);
      const { topic, partition: own } = this.topicOf(partition);
      offsets.push({
        topic,
        partition: own,
        offset: String(safePosition),
        metadata: JSON.stringify({
          m: Number.isFinite(checkpoint.maxTimestampMs) ? checkpoint.maxTimestampMs : null,
          r: checkpoint.replayUntil,
          ...(checkpoint.moved === undefined ? {} : { v: movedJson(checkpoint.moved) }),
          ...(this.options.fingerprint === undefined ? {} : { j: this.options.fingerprint }),
          ...(this.options.timeRange === undefined ? {} : { w: [this.options.timeRange.fromMs, this.options.timeRange.toMs] }),
          ...(marks === undefined ? {} : { t: marks.takenAtMs }),
          ...(marks === undefined || Object.keys(marks.outputBytes).length === 0 ? {} : { o: marks.outputBytes }),
        }),
      });
    }
    if (offsets.length === 0) return;
    for (const [partition, key] of committed) this.sentCommits.set(partition, key);
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
    for (const [partition, key] of committed) {
      this.lastCommitted.set(partition, key);
      this.starts.delete(partition);
    }
    this.trim(offsets);
    // An internal partition committed at its end may be what a bounded run was waiting for.
    if (this.endOffsets !== undefined && this.stride > 0) {
      this.noteEnded(new Map([...commits].map(([partition, { checkpoint }]) => [partition, checkpoint])));
      this.checkBoundedDone();
    }
  }

  /**
   * The outputs' marks of the group's last commits: the earliest partition's snapshot time,
   * and each output's greatest length. Every commit covers each partition whose records were
   * processed since its previous one, so the greatest length is that of the latest commit.
   */
  async resumePoint(): Promise<ResumePoint | undefined> {
    await this.connect();
    // Before any output opens (and truncates a file): a group that is not this run's is refused first.
    await this.checkGroup();
    const fetched = await this.commitsAtStart();
    let committedAtMs = Infinity;
    const outputBytes = new Map<string, number>();
    for (const { metadata } of fetched.flatMap((topic) => topic.partitions)) {
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
    clearTimeout(this.pollTimer);
    clearInterval(this.idleTimer);
    // A batch waiting for a full sink would hold `disconnect` back; nothing reads it any more.
    this.options.gate?.open();
    await this.connecting?.catch(() => undefined);
    await this.starting;
    // The consumer first: its disconnect waits for the batch in hand, which may still be
    // reading checkpoints through the admin client (an admin call reconnects it).
    await this.consumer.disconnect().catch(() => undefined);
    await this.checkingLag;
    // The last commit's trim may wait behind another.
    while (this.trimming !== undefined) await this.trimming;
    await this.transport?.close();
    await this.polling;
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
    // Before a bounded run finds it has nothing left: another job's commits must not pass for its own.
    await this.checkGroup();
    if (this.closed) return;
    if (this.options.bounded) {
      const range = this.options.timeRange;
      const [ends, committed, starts] = await Promise.all([
        retryWhileLeadersMove(() => this.admin.fetchTopicOffsets(topic), this.isClosed),
        this.commitsAtStart(),
        range === undefined
          ? undefined
          : Promise.all([
              retryWhileLeadersMove(() => this.admin.fetchTopicOffsetsByTimestamp(topic, range.fromMs), this.isClosed),
              retryWhileLeadersMove(() => this.admin.fetchTopicOffsetsByTimestamp(topic, range.toMs), this.isClosed),
            ]),
      ]);
      this.endOffsets = new Map(ends.map((p) => [p.partition, Number(p.high)]));
      for (const p of ends) this.firstOffsets.set(p.partition, Number(p.low));
      if (starts !== undefined) {
        for (const p of starts[0]) this.firstOffsets.set(p.partition, Number(p.offset));
        for (const p of starts[1]) this.endOffsets.set(p.partition, Number(p.offset));
      }
      // Every partition committed at its end already (the group's run is over): nothing to
      // read, and no need to join the group for it.
      const { offsets, checkpoints } = this.groupCommitsOf(committed);
      this.groupOffsets = offsets;
      this.noteEnded(checkpoints);
      if (ends.every((p) => this.startOffset(p.partition, offsets) >= this.endOffsets!.get(p.partition)!) && this.internalEnded()) {
        this.complete();
        return;
      }
      // A backfill's group starts where its range does: kafkajs starts a partition without commits at the log's start.
      const fresh = ends.filter((p) => (offsets.get(p.partition) ?? -1) < 0).map((p) => ({ partition: p.partition, offset: String(this.firstOffsets.get(p.partition)) }));
      if (starts !== undefined && fresh.length > 0) await this.admin.setOffsets({ groupId, topic, partitions: fresh });
    }
    if (this.closed) return;
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      // Partitions added to the source since its internal topics were made would be numbered as theirs.
      const grown = this.stride > 0 && (event.payload.memberAssignment[topic] ?? []).some((p) => p >= this.stride);
      if (grown) {
        this.subscriber?.error(
          new ConfigError(
            '--topic',
            `"${topic}" has more partitions than the ${this.stride} its job's internal topics were made with; a job that moves records by key cannot follow a source that grows. ` +
              'Run it under a new --group (it recomputes from the start of the topic), or recreate the source with its new partition count',
          ),
        );
        return;
      }
      this.onJoin(this.topics.flatMap((name, index) => (event.payload.memberAssignment[name] ?? []).map((p) => index * this.stride + p)));
    });
    // kafkajs restarts a crashed consumer itself when the error is retriable; when it gives
    // up, the job must stop with the reason rather than wait for batches that never come.
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart && !this.closed) this.subscriber?.error(kafkaErrorOf(event.payload.error, this.errorContext));
      else this.restarting = true;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
    if (this.closed) return;
    const idleTimeoutMs = this.options.idleTimeoutMs;
    if (this.stride > 0 && idleTimeoutMs !== undefined && this.endOffsets === undefined) {
      this.idleTimer = setInterval(() => this.markIdle(idleTimeoutMs), Math.max(50, Math.min(1_000, idleTimeoutMs / 4))).unref();
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private onJoin(partitions: number[]): void {
    this.restarting = false;
    const now = new Set(partitions);
    const positions = new Map<number, number>();
    for (const partition of now) {
      if (!this.assigned.has(partition)) continue;
      const next = this.nextOffsets.get(partition);
      // Held through the last generation and started or restored in it: its state is in memory.
      if (this.restoredIn.get(partition) === this.generation && next !== undefined) positions.set(partition, next);
      // Kept by the last generation too, which ended before a batch came to decide it: still the same state.
      else if (this.kept?.generation === this.generation && this.kept.positions.has(partition)) positions.set(partition, this.kept.positions.get(partition)!);
    }
    this.generation++;
    this.kept = { generation: this.generation, positions };
    this.continuing.clear();
    for (const partition of this.assigned) {
      if (now.has(partition)) continue;
      this.enqueue({ partition, records: [], revoked: true });
      this.unstarted.delete(partition);
      this.starts.delete(partition);
    }
    this.assigned = now;
    for (const partition of this.activity.keys()) if (!now.has(partition)) this.activity.delete(partition);
    for (const partition of now) if (partition < this.stride && !this.activity.has(partition)) this.activity.set(partition, { atMs: Date.now(), lagging: true, idle: false });
    this.options.onAssignment?.(this.assignment);
    // Read while the first fetch is on its way rather than after it arrives.
    this.readCommits(this.generation);
  }

  /**
   * Where a partition held before the latest rebalance goes on, when it does: the offset this
   * instance had read it to, provided the group's commit is still the one this instance made
   * (or restored from), so that no other member moved it on meanwhile. Restoring it instead
   * would process again, as new, the records read since that commit, and write their windows
   * twice to an output that appends (a file).
   */
  private continuesAt(partition: number, loaded: GroupCommits): number | undefined {
    if (this.kept?.generation !== this.generation) return undefined;
    const position = this.kept.positions.get(partition);
    if (position === undefined) return undefined;
    const key = committedKey(loaded, partition);
    if (key === this.lastCommitted.get(partition) || (key !== undefined && key === this.sentCommits.get(partition))) return position;
    // Decided once: restored now, it is not kept by a later look either.
    this.kept.positions.delete(partition);
    return undefined;
  }

  /** The group's checkpoint of a partition, which this instance now starts from: its commit is the one to compare with. */
  private restoreFrom(partition: number, loaded: GroupCommits): PartitionCheckpoint | null {
    this.restoredAtMs.set(partition, Date.now());
    const key = committedKey(loaded, partition);
    if (key === undefined) this.lastCommitted.delete(partition);
    else this.lastCommitted.set(partition, key);
    return loaded.checkpoints.get(partition) ?? null;
  }

  /**
   * Reads the group's commits for this assignment, where kafkajs starts each partition. A
   * failure is left to the first batch of a partition, which retries the read; a bounded source
   * also retries it itself, since for a partition with nothing left to read no batch comes.
   */
  private readCommits(generation: number): Promise<GroupCommits> {
    const commits = this.loadCommits();
    this.commits = commits;
    commits.then(
      (loaded) => {
        if (this.endOffsets === undefined || generation !== this.generation) return;
        // Before any batch of this assignment: each one awaits these commits after this.
        const kept = new Map([...this.assigned].map((partition) => [partition, this.continuesAt(partition, loaded)]));
        this.nextOffsets.clear();
        this.groupOffsets = loaded.offsets;
        this.noteEnded(loaded.checkpoints);
        for (const [partition, position] of kept) {
          this.nextOffsets.set(partition, position ?? this.startOffset(partition, loaded.offsets));
          // Decided here, not at its next batch: one at its end gets no batch but Kafka's re-sent records.
          if (position !== undefined) {
            this.continuing.add(partition);
            this.restoredIn.set(partition, generation);
          }
        }
        this.positionsOf = generation;
        // A partition committed at or past its end has nothing to read: no batch will come for it.
        for (const partition of this.assigned) {
          if (this.reachedEnd(partition)) {
            this.restoredIn.set(partition, generation);
            this.endPartition(partition, kept.get(partition) === undefined ? this.restoreFrom(partition, loaded) : undefined);
          }
        }
        this.checkBoundedDone();
      },
      () => {
        if (this.commits === commits) this.commits = undefined;
        if (this.endOffsets === undefined) return;
        // After kafkajs's own retries of the request gave up (a broker away): try again as long
        // as this assignment lasts.
        setTimeout(() => {
          if (generation === this.generation && this.commits === undefined && !this.closed && !this.completed) {
            this.readCommits(generation).catch(() => undefined);
          }
        }, DEFAULTS.kafka.retry.initialRetryTime).unref();
      },
    );
    return commits;
  }

  private async onBatch({ batch, isStale, heartbeat }: EachBatchPayload): Promise<void> {
    if (this.subscriber === undefined || this.completed || isStale()) return;
    const partition = this.topics.indexOf(batch.topic) * this.stride + batch.partition;
    let restore: PartitionCheckpoint | null | undefined;
    if (this.restoredIn.get(partition) !== this.generation) {
      const generation = this.generation;
      const loaded = await (this.commits ?? this.readCommits(generation));
      if (this.subscriber === undefined || generation !== this.generation) return;
      const position = this.continuesAt(partition, loaded);
      if (position === undefined) {
        restore = this.restoreFrom(partition, loaded);
        if (restore === null && (this.stride === 0 || partition < this.stride)) this.unstarted.add(partition);
      } else {
        // Its nextOffsets is still where it had read to.
        this.continuing.add(partition);
      }
      this.restoredIn.set(partition, generation);
    }
    // A partition created after the start has no records to read in a bounded run; an internal
    // topic's end is not an offset but its writers' end markers.
    const end = this.endOffsets === undefined || (this.stride > 0 && partition >= this.stride) ? Infinity : (this.endOffsets.get(partition) ?? 0);
    let messages = batch.messages;
    if (this.continuing.has(partition) && messages.length > 0) {
      const next = this.nextOffsets.get(partition)!;
      if (Number(messages[0]!.offset) < next) {
        const first = messages.findIndex((message) => Number(message.offset) >= next);
        if (first < 0) return;
        messages = messages.slice(first);
      }
    }
    if (messages.length > 0 && this.unstarted.delete(partition)) this.starts.set(partition, Number(messages[0]!.offset));
    // A fetch holds thousands of records per partition; handing them on in chunks lets each
    // chunk's parsed records die young instead of being promoted by the garbage collector.
    for (let from = 0; from < messages.length; from += DEFAULTS.kafka.chunkRecords) {
      const to = Math.min(from + DEFAULTS.kafka.chunkRecords, messages.length);
      const records: Uint8Array[] = [];
      const positions: number[] = [];
      let pastEnd = false;
      for (let i = from; i < to; i++) {
        const offset = Number(messages[i]!.offset);
        if (offset >= end) {
          pastEnd = true;
          break;
        }
        records.push(messages[i]!.value ?? EMPTY);
        positions.push(offset);
      }
      // A record at or past the end marks the end as reached even when the offsets just before it
      // hold no record (a transaction marker, a compacted one).
      if (positions.length > 0 || pastEnd) this.nextOffsets.set(partition, pastEnd ? end : positions[positions.length - 1]! + 1);
      if (positions.length === 0) break;
      this.enqueue(from === 0 ? { partition, records, positions, restore } : { partition, records, positions });
      restore = undefined;
      if (pastEnd) break;
    }
    if (this.reachedEnd(partition)) this.endPartition(partition, restore);
    else if (messages.length === 0 && restore !== undefined) this.enqueue({ partition, records: [], restore });
    const next = this.nextOffsets.get(partition);
    if (next !== undefined) this.options.onLag?.(partition, Math.max(0, Number(batch.highWatermark) - next));
    const activity = this.activity.get(partition);
    if (activity !== undefined && messages.length > 0) {
      activity.atMs = Date.now();
      activity.idle = false;
      activity.lagging = Number(batch.highWatermark) > Number(messages[messages.length - 1]!.offset) + 1;
    } else if (activity !== undefined) {
      activity.lagging = false;
    }
    if (this.checkBoundedDone()) return;
    // A full sink holds the fetch loop here (kafkajs fetches no more until this returns). The
    // wait may outlast the session timeout while InfluxDB is down, so keep heartbeating, or
    // the group would take the partitions away from a consumer that is only waiting.
    const gate = this.options.gate;
    while (gate !== undefined && !gate.isOpen && !this.closed) {
      await Promise.race([gate.whenOpen(), sleep(DEFAULTS.kafka.heartbeatWhilePausedMs)]);
      await heartbeat().catch(() => undefined);
    }
  }

  /**
   * Sends each held source partition that had no records for `idleTimeoutMs`, and none waiting
   * at its last fetch, as idle, once until its next records: a partition held back by a full
   * sink, with records waiting, is not idle.
   */
  private markIdle(idleTimeoutMs: number): void {
    const nowMs = Date.now();
    let unknown = false;
    for (const [partition, activity] of this.activity) {
      if (activity.idle || nowMs - activity.atMs < idleTimeoutMs) continue;
      if (activity.lagging) {
        unknown = true;
        continue;
      }
      activity.idle = true;
      this.enqueue({ partition, records: [], idle: true });
    }
    // A partition no fetch has returned for since its assignment may be empty, or held back:
    // its end offset and the group's commit tell.
    if (unknown && this.checkingLag === undefined && !this.closed) {
      this.checkingLag = Promise.all([retryWhileLeadersMove(() => this.admin.fetchTopicOffsets(this.options.topic), this.isClosed), this.loadCommits()])
        .then(([ends, commits]) => {
          for (const { partition, high, low } of ends) {
            const activity = this.activity.get(partition);
            const committed = commits.offsets.get(partition) ?? -1;
            if (activity !== undefined && activity.lagging) activity.lagging = Number(high) > (committed >= 0 ? committed : Number(low));
          }
        })
        .catch(() => undefined)
        .finally(() => {
          this.checkingLag = undefined;
        });
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

  /** Bounded: whether a held partition has been read up to its end offset (one created after the start has none). */
  private reachedEnd(partition: number): boolean {
    if (this.endOffsets === undefined || this.positionsOf !== this.generation || (this.stride > 0 && partition >= this.stride)) return false;
    return (this.nextOffsets.get(partition) ?? -1) >= (this.endOffsets.get(partition) ?? 0);
  }

  /**
   * Sends a held partition that reached its end its `endOfInput`, once per assignment: its
   * windows fire now and its commit reaches the end, instead of when every partition has. The
   * end position is where it stands, at or past the end, so that its commit never moves back.
   */
  private endPartition(partition: number, restore: PartitionCheckpoint | null | undefined): void {
    if (this.endedIn.get(partition) === this.generation) return;
    this.endedIn.set(partition, this.generation);
    const endPosition = this.nextOffsets.get(partition)!;
    this.enqueue(restore === undefined ? { partition, records: [], endPosition, endOfInput: true } : { partition, records: [], endPosition, endOfInput: true, restore });
  }

  /**
   * Bounded: completes the batches once every partition of the topic as of the start is at its
   * end offset: one held by this instance's reading, any other by the group's commit. While only
   * the others are missing, the group's commits are read again every so often: their holders
   * commit them at their end once they have read them (see `endPartition`), and a partition
   * that a dead member still holds comes to this instance once its session has timed out.
   */
  private checkBoundedDone(): boolean {
    if (this.endOffsets === undefined) return false;
    if (this.completed) return true;
    if (this.positionsOf !== this.generation) return false;
    let elsewhereDone = true;
    for (const [partition, end] of this.endOffsets) {
      if (this.assigned.has(partition)) {
        if (!this.reachedEnd(partition)) return false;
      } else if (this.startOffset(partition, this.groupOffsets) < end) {
        elsewhereDone = false;
      }
    }
    if (!elsewhereDone || !this.internalEnded()) {
      this.pollGroupCommits();
      return false;
    }
    this.complete();
    return true;
  }

  /** Bounded: whether every partition of every internal topic has ended (see `endedInternal`). */
  private internalEnded(): boolean {
    return this.endedInternal.size === this.topics.length * this.stride - this.stride;
  }

  /**
   * Deletes what the internal topics hold below the offsets just committed (one request per
   * topic and commit): one group reads them, and nothing before its commit is read again. While
   * a trim is under way, the offsets of the commits meanwhile wait for it (each partition's
   * latest) and go next, so that a run's last commits are trimmed too. A failure only leaves the
   * records to the next commit's.
   */
  private trim(offsets: readonly { topic: string; partition: number; offset: string }[]): void {
    if (this.stride === 0) return;
    const internal = offsets.filter((o) => o.topic !== this.options.topic);
    if (internal.length === 0) return;
    if (this.trimming !== undefined) {
      // Commits name only the partitions that moved on: each waiting partition keeps its latest offset.
      const waiting = new Map((this.nextTrim ?? []).map((o) => [`${o.topic}/${o.partition}`, o]));
      for (const o of internal) waiting.set(`${o.topic}/${o.partition}`, o);
      this.nextTrim = [...waiting.values()];
      return;
    }
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const { topic, partition, offset } of internal) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
    this.trimming = Promise.all([...byTopic].map(([topic, partitions]) => this.admin.deleteTopicRecords({ topic, partitions })))
      .then(() => undefined, () => undefined)
      .finally(() => {
        this.trimming = undefined;
        const next = this.nextTrim;
        this.nextTrim = undefined;
        if (next !== undefined) this.trim(next);
      });
  }

  /** Records the internal partitions whose commits show they ended. */
  private noteEnded(checkpoints: ReadonlyMap<number, PartitionCheckpoint | null>): void {
    for (const [partition, checkpoint] of checkpoints) {
      const watermarks = checkpoint?.moved?.writerWatermarksMs;
      if (partition >= this.stride && watermarks !== undefined && watermarks.every((ms) => ms === Infinity)) this.endedInternal.add(partition);
    }
  }

  /** The group's offsets (-1: none) and checkpoints as `fetchOffsets` gave them, by partition as batches number it. */
  private groupCommitsOf(fetched: Awaited<ReturnType<Admin['fetchOffsets']>>): GroupCommits {
    const offsets = new Map<number, number>();
    const checkpoints = new Map<number, PartitionCheckpoint | null>();
    for (const { topic, partitions } of fetched) {
      const index = this.topics.indexOf(topic);
      for (const { partition, offset, metadata } of partitions) {
        offsets.set(index * this.stride + partition, Number(offset));
        checkpoints.set(index * this.stride + partition, parseCheckpoint(metadata));
      }
    }
    return { offsets, checkpoints };
  }

  private pollGroupCommits(): void {
    if (this.pollTimer !== undefined) return;
    const nowMs = Date.now();
    if (this.options.onWaiting !== undefined && this.endOffsets !== undefined) {
      this.waitingSinceMs ??= nowMs;
      if (nowMs - this.waitingSinceMs >= DEFAULTS.kafka.boundedWaitReportMs) {
        this.waitingSinceMs = nowMs;
        const source = [...this.endOffsets].filter(([p, end]) => (this.assigned.has(p) ? !this.reachedEnd(p) : this.startOffset(p, this.groupOffsets) < end)).map(([p]) => p);
        const internal: number[] = [];
        for (let p = this.stride; p < this.topics.length * this.stride; p++) if (!this.endedInternal.has(p)) internal.push(p);
        this.options.onWaiting({ source, internal });
      }
    }
    this.pollTimer = setTimeout(() => {
      if (this.closed) return;
      // A failed read (a broker away) is tried again with the next poll.
      this.polling = this.loadCommits().then(
        (loaded) => {
          this.pollTimer = undefined;
          if (this.closed || this.completed) return;
          this.groupOffsets = loaded.offsets;
          this.noteEnded(loaded.checkpoints);
          this.checkBoundedDone();
        },
        () => {
          this.pollTimer = undefined;
          if (!this.closed && !this.completed) this.checkBoundedDone();
        },
      );
    }, DEFAULTS.kafka.boundedGroupPollMs);
  }

  private complete(): void {
    this.completed = true;
    this.enqueue(END);
  }

  /** Where kafkajs starts reading a partition (`fromBeginning`), given the group's commits. */
  private startOffset(partition: number, committed: ReadonlyMap<number, number>): number {
    const offset = committed.get(partition) ?? -1;
    return offset >= 0 ? offset : (this.firstOffsets.get(partition) ?? 0);
  }

  /**
   * The group's commits as they stood when this source started, read once for both the outputs'
   * resume point and a bounded run's start offsets.
   */
  private commitsAtStart(): ReturnType<Admin['fetchOffsets']> {
    this.startCommits ??= this.admin.fetchOffsets({ groupId: this.options.groupId, topics: [...this.topics] });
    return this.startCommits;
  }

  /** The group's offsets and the checkpoints committed with them, read once per assignment. */
  private async loadCommits(): Promise<GroupCommits> {
    return this.groupCommitsOf(await this.admin.fetchOffsets({ groupId: this.options.groupId, topics: [...this.topics] }));
  }

  /**
   * Fails when the group's commits are not this run's to go on from: another job's, another
   * time range's (see `checkInternalTopicsKept`, `checkSameRange`). Checked once, by whichever
   * comes first: the outputs' resume point (before they open) or the start of reading.
   */
  private checkGroup(): Promise<void> {
    this.groupChecked ??= (async () => {
      await this.checkInternalTopicsKept();
      if (this.options.bounded) checkSameRange(await this.commitsAtStart(), this.options.timeRange, this.options.groupId);
    })();
    return this.groupChecked;
  }

  /**
   * Fails when the group's commits are another job's (see `fingerprint`), or when an internal
   * topic starts after the group's commit: records the job still needs were deleted, and the
   * consumer would silently start at what is left.
   */
  private async checkInternalTopicsKept(): Promise<void> {
    const internal = this.topics.slice(1);
    if (internal.length === 0) return;
    const { fingerprint, groupId } = this.options;
    // The start's read of the group's commits, which a bounded start and the outputs' resume point use too.
    const committed = await this.commitsAtStart();
    if (fingerprint !== undefined) {
      // Commits of another job, or of this one under other settings: its moved records and
      // positions would be taken for this job's.
      for (const { topic, partitions } of committed) {
        for (const { metadata, offset } of partitions) {
          if (Number(offset) < 0 || metadata === null || metadata === '') continue;
          const other = committedFingerprint(metadata);
          if (other !== fingerprint) {
            throw new ConfigError(
              '--group',
              `group "${groupId}" holds commits of ${other === undefined ? 'a job that moves nothing' : `job ${other.split(':')[0]} under other settings (${other})`} on "${topic}", and this run is ${fingerprint}: ` +
                'a job that moves records cannot take over another\'s commits and internal topics. Run it under a new --group, or delete the group (kafka-consumer-groups.sh --delete) and its *-repartition topics to start afresh',
            );
          }
        }
      }
    }
    for (const { topic, partitions } of committed) {
      if (topic === this.options.topic) continue;
      const starts = new Map((await retryWhileLeadersMove(() => this.admin.fetchTopicOffsets(topic), this.isClosed)).map((p) => [p.partition, Number(p.low)]));
      for (const { partition, offset } of partitions) {
        const start = starts.get(partition) ?? 0;
        if (Number(offset) >= 0 && Number(offset) < start) throw new InternalTopicGapError(`partition ${partition} of the internal topic ${topic}`, Number(offset), start);
      }
    }
  }

  /** The topic and own number of a partition as batches number it. */
  private topicOf(partition: number): { readonly topic: string; readonly partition: number } {
    if (this.stride === 0) return { topic: this.options.topic, partition };
    const index = Math.floor(partition / this.stride);
    return { topic: this.topics[index]!, partition: partition - index * this.stride };
  }
}

/** A partition's commit as `lastCommitted` keeps it (`offset/replayUntil`), if the group has one. */
function committedKey(loaded: GroupCommits, partition: number): string | undefined {
  const offset = loaded.offsets.get(partition) ?? -1;
  return offset < 0 ? undefined : `${offset}/${loaded.checkpoints.get(partition)?.replayUntil}`;
}

/** The group's commits of the topic's partitions: offsets (-1: none) and checkpoints. */
interface GroupCommits {
  readonly offsets: ReadonlyMap<number, number>;
  readonly checkpoints: ReadonlyMap<number, PartitionCheckpoint | null>;
}


/** A commit's metadata as the object `commit` wrote (`{"m","r","v","j","w","t","o"}`), or undefined for any other text. */
function metadataOf(metadata: string | null): Record<string, unknown> | undefined {
  if (metadata === null || metadata === '') return undefined;
  try {
    const parsed = JSON.parse(metadata) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function parseCheckpoint(metadata: string | null): PartitionCheckpoint | null {
  const { m, r, v } = metadataOf(metadata) ?? {};
  if (typeof r !== 'number') return null;
  const maxTimestampMs = typeof m === 'number' ? m : -Infinity;
  const moved = v === undefined ? undefined : movedOf(v);
  return moved === undefined ? { maxTimestampMs, replayUntil: r } : { maxTimestampMs, replayUntil: r, moved };
}

/**
 * A {@link MovedCheckpoint} as commit metadata: `[position, watermarks, ids, sent, idle?]`, infinite
 * times as null (none yet) or the string "end". Kafka keeps at most 4 KiB of metadata by
 * default, about 150 writers' worth.
 */
function movedJson(moved: MovedCheckpoint): unknown[] {
  const time = (ms: number) => (Number.isFinite(ms) ? ms : ms > 0 ? 'end' : null);
  const json = [moved.position, moved.writerWatermarksMs.map(time), moved.writerIds.map(time), moved.sent];
  return moved.idleWriters === undefined ? json : [...json, moved.idleWriters];
}

function movedOf(value: unknown): MovedCheckpoint | undefined {
  if (!Array.isArray(value) || (value.length !== 4 && value.length !== 5)) return undefined;
  const [position, watermarks, ids, sent, idle] = value as [unknown, unknown, unknown, unknown, unknown];
  const time = (v: unknown) => (v === null ? -Infinity : v === 'end' ? Infinity : Number(v));
  if (typeof position !== 'number' || !Array.isArray(watermarks) || !Array.isArray(ids) || typeof sent !== 'object' || sent === null) return undefined;
  const moved = { position, writerWatermarksMs: watermarks.map(time), writerIds: ids.map(time), sent: sent as Record<number, number> };
  return Array.isArray(idle) ? { ...moved, idleWriters: idle.map(Number) } : moved;
}

/**
 * Refuses a group whose commits were made over another time range (`w`, a backfill's), or
 * without one: they would start this range's partitions partway through another's, silently.
 */
function checkSameRange(committed: Awaited<ReturnType<Admin['fetchOffsets']>>, range: KafkaTimeRange | undefined, groupId: string): void {
  const describe = (w: readonly number[] | undefined) =>
    w === undefined ? 'no time range (a live or --bounded run)' : `${new Date(w[0]!).toISOString()} to ${new Date(w[1]!).toISOString()}`;
  const mine = range === undefined ? undefined : [range.fromMs, range.toMs];
  for (const { partitions } of committed) {
    for (const { metadata, offset } of partitions) {
      if (Number(offset) < 0 || metadata === null || metadata === '') continue;
      const theirs = committedRange(metadata);
      if (theirs?.[0] === mine?.[0] && theirs?.[1] === mine?.[1]) continue;
      throw new ConfigError(
        '--group',
        `group "${groupId}" holds commits of a run over ${describe(theirs)}, and this run reads ${describe(mine)}: it would go on from where that run stopped. ` +
          (theirs === undefined
            ? 'A backfill stopped before clickflow kept ranges in its commits cannot be resumed either. Leave --group out for a fresh group'
            : 'Resume that run with its own --from-time and --to-time, or leave --group out for a fresh group'),
      );
    }
  }
}

/** The time range stored with a commit of a run over one (a backfill), if any. */
function committedRange(metadata: string): readonly number[] | undefined {
  const { w } = metadataOf(metadata) ?? {};
  return Array.isArray(w) && w.length === 2 && w.every((ms) => typeof ms === 'number') ? (w as number[]) : undefined;
}

/** The job fingerprint stored with a commit, if any. */
function committedFingerprint(metadata: string): string | undefined {
  const { j } = metadataOf(metadata) ?? {};
  return typeof j === 'string' ? j : undefined;
}

/** The outputs' marks stored with a commit, when it has them. */
function parseMarks(metadata: string | null): OutputMarks | undefined {
  const { t, o } = metadataOf(metadata) ?? {};
  if (typeof t !== 'number') return undefined;
  const outputBytes: Record<string, number> = {};
  for (const [key, bytes] of Object.entries(typeof o === 'object' && o !== null ? o : {})) {
    if (Number.isSafeInteger(bytes) && (bytes as number) >= 0) outputBytes[key] = bytes as number;
  }
  return { takenAtMs: t, outputBytes };
}
