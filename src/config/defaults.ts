import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Every default of clickflow, in one place. The CLI shows these in `--help`, and the
 * README's option tables are written from them.
 */
export const DEFAULTS = {
  /** Tumbling window size: 10 s. */
  windowMs: 10_000,
  /** Bounded out-of-orderness of the watermark: 5 s. */
  maxOutOfOrdernessMs: 5_000,
  /** How long a fired window still accepts records (and re-emits): none. */
  allowedLatenessMs: 0,
  /** Wall-clock time without records after which a partition is reported idle: 30 s. */
  idleTimeoutMs: 30_000,
  /**
   * Hopping windows: the most windows one record may fall in (`size / slide`). Each is an
   * accumulator per record, so `--window 1d --slide 1ms` (86.4M) would exhaust the heap.
   */
  maxWindowsPerRecord: 1_000,
  /** How often a job flushes its outputs and then commits its source, in ms: 5 s. */
  commitIntervalMs: 5_000,
  /** How a finished command waits for client libraries to close their sockets before it exits anyway: 10 s. */
  exitGraceMs: 10_000,
  file: {
    /** Bytes read at a time from a file or stdin; each read becomes one batch. 1 MiB. */
    chunkBytes: 1 << 20,
    /**
     * A longer line is dead-lettered as too_long with its first bytes, not read whole. 16 MiB: far
     * beyond any click event (Kafka refuses messages over 1 MB by default), small enough that a
     * file without newlines cannot exhaust memory or V8's maximum string length.
     */
    maxLineBytes: 16 * 1024 * 1024,
  },
  influx: {
    /** Lines per write request. */
    batchLines: 5_000,
    /** Longest time a line waits in the buffer before it is sent, in ms. */
    flushIntervalMs: 1_000,
    /** Lines buffered or in flight above which the sources pause. */
    maxBufferLines: 100_000,
    /** Requests larger than this many bytes are gzipped. */
    gzipThreshold: 1_000,
    /** Retries of a failed write: 0.5 s doubling to 30 s, ±20 % jitter, for up to 5 minutes. */
    retry: { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.2, maxElapsedMs: 5 * 60_000 },
  },
  /** Kafka brokers when neither --brokers nor KAFKA_BROKERS is given. */
  brokers: 'localhost:9092',
  /** Kafka topic of the clickstream. */
  topic: 'clickstream',
  /**
   * How the Kafka source fetches. A batch is processed synchronously, so large fetches are
   * cheap and amortise kafkajs's per-request cost; a short wait keeps a bounded run's last,
   * empty long-poll (which stopping has to outwait) brief.
   */
  kafkaFetch: {
    maxBytesPerPartition: 4 * 1024 * 1024, // 4 MiB
    maxBytes: 16 * 1024 * 1024, // 16 MiB
    maxWaitTimeInMs: 100,
  },
  kafka: {
    /** How long a broker connection may take, in ms. */
    connectionTimeoutMs: 3_000,
    /** kafkajs's own retries of a failed request. */
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
    /** Records per batch handed downstream: a fetch's parsed records then die young. */
    chunkRecords: 1_024,
    /** How often a consumer held back by a full sink tells the group it is alive, in ms. */
    heartbeatWhilePausedMs: 3_000,
    /**
     * How long the group waits for a member that stopped heartbeating (a crashed or killed
     * instance) before it hands the member's partitions to the others, in ms: 10 s. A restart
     * after kill -9 waits this long to join; kafkajs's 30 s would triple that pause. Heartbeats
     * go every 3 s, also while a full sink holds the consumer back.
     */
    sessionTimeoutMs: 10_000,
    /**
     * After a crash, the dead-letter topic is read back from this long before the earliest
     * partition's last commit, in ms: 1 min, for clocks of instances on different hosts that differ.
     */
    deadLetterScanSlackMs: 60_000,
    /**
     * Dead letters per produce request, in bytes: 512 KiB, half of a broker's default
     * `message.max.bytes`, which a request's record batch must not exceed.
     */
    deadLetterRequestBytes: 512 * 1024,
    /** How long reading the dead-letter topic back at start-up may take, in ms: 2 min. */
    deadLetterScanTimeoutMs: 120_000,
  },
  jobManager: {
    /** Where `clickflow jobmanager` listens; loopback unless --host says otherwise. */
    port: 8081,
    host: '127.0.0.1',
    /** The jobs it resumes after a restart. */
    stateFile: join(homedir(), '.local', 'state', 'clickflow', 'jobmanager.json'),
    /** How long a cancelled job may take to flush and commit before its process is killed: 30 s. */
    cancelTimeoutMs: 30_000,
    /** How often each job's worker reports its metrics: 1 s. */
    metricsIntervalMs: 1_000,
    /** `--restart` when none is given. */
    restart: 'fixed-delay:3:10s',
    /** `clickflow submit`/`list`/`status`/`cancel` talk to this unless --jobmanager or CLICKFLOW_JOBMANAGER say otherwise. */
    url: 'http://127.0.0.1:8081',
  },
  producer: {
    /** Partitions of a topic the producer creates. */
    partitions: 3,
    /** Distinct URLs generated. */
    urls: 200,
    /** Distinct users generated. */
    users: 1_000,
    /** Share of 4xx/5xx statuses outside bursts. */
    errorRate: 0.05,
    /** Messages per Kafka produce request. */
    batchSize: 2_000,
    /** Event-time spacing of a seeded run without --rate: 1000 events per second of event time. */
    eventsPerSecond: 1_000,
    /** Where a seeded run's event clock starts unless --start-time says otherwise. */
    seededStartTime: '2025-01-01T00:00:00Z',
  },
} as const;
