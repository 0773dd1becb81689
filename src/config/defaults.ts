import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Every default of clickflow, in one place. The CLI shows these in `--help`, and the
 * README's option tables are written from them.
 */
export const DEFAULTS = {
  /** Tumbling window size: 10 s. */
  windowMs: 10_000,
  /** The sessions job's session gap (`--gap`): a user's visit ends after 30 idle minutes. */
  sessionGapMs: 30 * 60_000,
  /** The sessions job's statistics windows (`session_stats`, `landing_pages`): 1 minute of session end. */
  sessionStatsWindowMs: 60_000,
  /** Bounded out-of-orderness of the watermark: 5 s. */
  maxOutOfOrdernessMs: 5_000,
  /** How long a fired window still accepts records (and re-emits): none. */
  allowedLatenessMs: 0,
  /** The shortest `--early-every`: 100 ms. Each early firing emits every open window again. */
  minEarlyEveryMs: 100,
  /** Wall-clock time without records after which a partition is reported idle: 30 s. */
  idleTimeoutMs: 30_000,
  /**
   * Hopping windows: the most windows one record may fall in (`size / slide`). Each is an
   * accumulator per record, so `--window 1d --slide 1ms` (86.4M) would exhaust the heap.
   */
  maxWindowsPerRecord: 1_000,
  /** How often a job flushes its outputs and then commits its source, in ms: 5 s. */
  commitIntervalMs: 5_000,
  /**
   * Retries of a job's last flush and commit when they fail retriably (the broker or InfluxDB
   * away at the end of a bounded run or at a stop): 0.5 s doubling to 5 s, ±20 % jitter, for
   * up to 2 minutes. Periodic flushes need none: the next interval tries again.
   */
  finalFlushRetry: { initialDelayMs: 500, maxDelayMs: 5_000, factor: 2, jitter: 0.2, maxElapsedMs: 2 * 60_000 },
  /** How a finished command waits for client libraries to close their sockets before it exits anyway: 10 s. */
  exitGraceMs: 10_000,
  file: {
    /**
     * Bytes read at a time from a file or stdin; each read becomes one batch. 128 KiB: about a
     * thousand short events, whose parsed objects then die young, as Kafka's chunks of 1024 do;
     * 1 MiB batches of short events held eight times as many alive through each collection
     * (the CLI over short lines took 2.2 s instead of 1.5 s; long lines were unchanged).
     */
    chunkBytes: 1 << 17,
    /**
     * A longer line is dead-lettered as too_long with its first bytes, not read whole. 16 MiB: far
     * beyond any click event (Kafka refuses messages over 1 MB by default), small enough that a
     * file without newlines cannot exhaust memory or V8's maximum string length.
     */
    maxLineBytes: 16 * 1024 * 1024,
    /**
     * Bytes a file output buffers before the sources pause: 1 MiB. Node's default for a file
     * stream, 16 KiB, is less than one window's points of the error-rates job, so every window
     * paused the reading until the write was done (the CLI over short lines waited on that for
     * about a tenth of its time). Not more: a stop waits until the buffer is written, and a slow
     * reader of a FIFO (64 KiB/s) took 50 s longer to drain 4 MiB.
     */
    outputBufferBytes: 1024 * 1024,
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
    /**
     * How long writes answered 404 (no such org or bucket) are retried before the job stops and
     * says so, in ms: 20 s. Enough for a server still running its first setup (docker compose
     * up); a name that is wrong is not worth the whole 5-minute retry budget.
     */
    notFoundRetryMs: 20_000,
  },
  /** The archive's PostgreSQL output (`--output events=postgres://…`). */
  postgres: {
    /** The table when the URL gives no `?table=`: created if missing. */
    table: 'click_events',
    /** Rows per INSERT: one statement of 14 arrays, however many rows. */
    batchRows: 5_000,
    /** Longest time a row waits in the buffer before it is sent, in ms. */
    flushIntervalMs: 1_000,
    /** Rows buffered or in flight above which the sources pause. */
    maxBufferRows: 100_000,
    /** Retries of a failed INSERT (PostgreSQL restarting, a dropped connection): 0.5 s doubling to 30 s, ±20 %, for up to 5 minutes. */
    retry: { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.2, maxElapsedMs: 5 * 60_000 },
    /** How long connecting may take, in ms. */
    connectionTimeoutMs: 10_000,
    /** How long one INSERT may take before it counts as failed and is retried (a server that stopped answering), in ms: 1 min. */
    queryTimeoutMs: 60_000,
  },
  /** Kafka brokers when neither --brokers nor KAFKA_BROKERS is given. */
  brokers: 'localhost:9092',
  /** Kafka topic of the clickstream. */
  topic: 'clickstream',
  /** The live bucket of `.env.example` (docker compose): a backfill refuses it even when `INFLUX_BUCKET` is not set. */
  influxBucket: 'clickstream',
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
    /**
     * How long an offsets read waits for a partition's leader to take office, in ms: 0.2 s
     * doubling to 2 s, for up to 30 s. A topic just created (another instance's internal
     * topics) has leaders in the metadata a moment before the broker answers as one, and
     * kafkajs's admin does not retry that answer (NOT_LEADER_FOR_PARTITION).
     */
    leaderRetry: { initialDelayMs: 200, maxDelayMs: 2_000, factor: 2, jitter: 0.2, maxElapsedMs: 30_000 },
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
     * How often a bounded run that has read every partition it holds reads the group's commits
     * of the others, until they are at their end offsets too, in ms: 1 s.
     */
    boundedGroupPollMs: 1_000,
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
    /**
     * Internal topics (moves between partitions): bytes per partition in one produce request,
     * 512 KiB, below a broker's default `message.max.bytes`.
     */
    moveRequestBytes: 512 * 1024,
    /**
     * Moved records per Kafka message, in bytes: up to 128 KiB of them go as one message, one
     * per line, so that Kafka's per-message costs (encoding, CRC, copies) are paid once for many.
     */
    movePackBytes: 128 * 1024,
    /** How often a bounded run that only waits for the group says what for, in ms: 30 s. */
    boundedWaitReportMs: 30_000,
    /** How long moved records wait to be sent with others, in ms: the move's added latency. */
    moveLingerMs: 50,
    /** Bytes of moved records buffered or in flight above which the source pauses: 64 MiB. */
    moveBufferBytes: 64 * 1024 * 1024,
  },
  jobManager: {
    /** Where `clickflow jobmanager` listens; loopback unless --host says otherwise. */
    port: 8081,
    host: '127.0.0.1',
    /**
     * Names besides IP addresses, loopback names and `--host` that requests may call the manager
     * by (their `Host` header): none. Any other name is refused, so that a page whose domain
     * re-resolves to this machine (DNS rebinding) gets no answer.
     */
    allowedHosts: [] as readonly string[],
    /** The jobs it resumes after a restart. */
    stateFile: join(homedir(), '.local', 'state', 'clickflow', 'jobmanager.json'),
    /** How soon a state file write that failed (disk full) is tried again, while nothing else writes it: 5 s. */
    stateFileRetryMs: 5_000,
    /** How long a cancelled job may take to flush and commit before its process is killed: 30 s. */
    cancelTimeoutMs: 30_000,
    /** How often each job's worker reports its metrics: 1 s. */
    metricsIntervalMs: 1_000,
    /** `--restart` when none is given. */
    restart: 'fixed-delay:3:10s',
    /** `clickflow submit`/`list`/`status`/`cancel` talk to this unless --jobmanager or CLICKFLOW_JOBMANAGER say otherwise. */
    url: 'http://127.0.0.1:8081',
    /**
     * How long those commands wait for the manager's answer before they give up: 10 s. `cancel`
     * waits `cancelTimeoutMs` longer, the time a job may take to flush and commit.
     */
    clientTimeoutMs: 10_000,
    /** The live page (`/`) and its stream (`/live`). */
    live: {
      /** How often a worker sends the points its job wrote since the last send: 500 ms, so charts move at least every 2 s. */
      sendIntervalMs: 500,
      /** Points a worker holds between two sends; beyond them the page misses points (counted as dropped), the job never waits. */
      maxPointsPerSend: 50_000,
      /** Window starts of each measurement kept per job for a page that opens later: 360 (an hour of 10 s windows). */
      windowsKept: 360,
      /** Points of one measurement kept per job, whatever the window count: 20 000 (the newest window is always kept). */
      maxPointsPerMeasurement: 20_000,
      /** Metric samples kept per job, one a second: 600 (10 minutes of late, invalid and watermark-lag history). */
      samplesKept: 600,
      /** Bytes a page may fall behind on its stream before the stream is closed; the page reconnects and starts afresh: 8 MiB. */
      maxQueuedBytes: 8 * 1024 * 1024,
      /** A comment line on an idle stream this often keeps proxies from closing it: 15 s. */
      heartbeatMs: 15_000,
    },
  },
  /** `clickflow collect`: the HTTP collector of browser events (src/collector/). */
  collector: {
    /** Where it listens; loopback unless --host says otherwise. */
    port: 8090,
    host: '127.0.0.1',
    /**
     * Names besides IP addresses and loopback names that requests may carry in `Host`
     * (`--allowed-host`): none. Any other gets 421, so that a page whose domain re-resolves to the
     * collector's address (DNS rebinding) cannot post events or read its metrics.
     */
    allowedHosts: [] as readonly string[],
    /** The event field whose value keys the Kafka message (`--key`): one user's events stay on one partition, in order. */
    key: 'user_id',
    /** Largest request body: 1 MiB, far beyond a tracker's batch of 20 events, and below a broker's default message.max.bytes. */
    maxBodyBytes: 1024 * 1024,
    /** Most events in one request: 500. */
    maxEventsPerRequest: 500,
    /**
     * Requests one address may make per window (`--rate-limit`): 600 a minute, 10/s. A tracker sends
     * one every 2 s; an office behind one NAT address may hold a few dozen browsers.
     */
    rateLimit: { requests: 600, windowMs: 60_000 },
    /** Time a client has to send its request headers: 10 s, then the connection is closed (slowloris). */
    headersTimeoutMs: 10_000,
    /** Time a client has to send the whole request, headers and body: 30 s (a body dribbled a byte at a time). */
    requestTimeoutMs: 30_000,
    /** An idle keep-alive connection is closed after 5 s: browsers reopen one at once. */
    keepAliveTimeoutMs: 5_000,
    /** Open connections at most; more are closed at once, so file descriptors and memory stay bounded. */
    maxConnections: 1_024,
    /**
     * Bytes of events waiting for Kafka, over every request: 16 MiB (some 40 000 events). Past it a
     * request is answered 503 with Retry-After instead of queued, so an outage cannot exhaust memory.
     */
    maxBufferBytes: 16 * 1024 * 1024,
    /**
     * How long a request waits for Kafka to acknowledge its events before it is answered 503: 10 s.
     * Its events are withdrawn from the buffer unless already on their way to the broker.
     */
    ackTimeoutMs: 10_000,
    /** `Retry-After` of a 503, in seconds: 5. */
    retryAfterSeconds: 5,
    /** Bytes of events in one produce request: 512 KiB, half of a broker's default message.max.bytes. */
    maxBatchBytes: 512 * 1024,
    /** A `User-Agent` header longer than this is cut: 512 characters. */
    maxUserAgentChars: 512,
    /** Retries of a produce request that failed retriably (the broker unreachable at connection): 0.2 s doubling to 5 s. */
    sendRetry: { initialDelayMs: 200, maxDelayMs: 5_000 },
    /** Partitions of the topic when the collector has to create it. */
    partitions: 3,
    /** How long closing waits for the events already accepted into the buffer to reach Kafka: 10 s. */
    closeTimeoutMs: 10_000,
  },
  /** `clickflow demo` and the `generator` source: a live clickstream with no Kafka. */
  demo: {
    /** Events generated per second: 200. */
    ratePerSecond: 200,
    /** Early firings of the demo's windows, so that the live page shows each one filling: every 2 s. */
    earlyEveryMs: 2_000,
    /** The most the generator may be asked for: it runs in the job's own process, and beyond 100 000 events/s it would starve the job. */
    maxRatePerSecond: 100_000,
    /** Partitions of the in-memory topic, each with its own watermark: 3. */
    partitions: 3,
    /** Newest records each partition keeps (about 8 MB each); a reader further behind skips ahead, as with Kafka retention: 20 000. */
    retainRecords: 20_000,
    /** How often the generator appends the records due: 100 ms. */
    feedStepMs: 100,
    /** The error spike: half the events get 503 for 10 s of every minute. */
    burst: { status: 503, fraction: 0.5, durationMs: 10_000, everyMs: 60_000 },
    /** 1 % of events arrive 7.5–15 s late: some re-fire their window within the allowed lateness, the rest are late. */
    late: { fraction: 0.01, maxDelayMs: 15_000 },
    /** Event times jitter back by up to 2 s, within the watermark's out-of-orderness. */
    outOfOrderMs: 2_000,
    /** 0.2 % malformed records, for the invalid counts. */
    invalidFraction: 0.002,
    /** The demo job's allowed lateness: 5 s, so late events re-fire their windows. */
    allowedLatenessMs: 5_000,
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
