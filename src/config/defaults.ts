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
  /** Lines per batch read from a file or stdin. */
  fileBatchLines: 4_096,
  /** Kafka brokers when neither --brokers nor KAFKA_BROKERS is given. */
  brokers: 'localhost:9092',
  /** Kafka topic of the clickstream. */
  topic: 'clickstream',
  /** Consumer group of the error-rates job. */
  group: 'clickflow-error-rates',
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
