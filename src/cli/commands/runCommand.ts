import type { KafkaTimeRange } from '../../connectors/kafka/KafkaTimeRange.js';
import { Command, Option } from 'commander';
import { DEFAULTS } from '../../config/defaults.js';
import type { Job, JobParameters } from '../../jobs/Job.js';
import type { JobHandle } from '../../runtime/JobHandle.js';
import type { JobMetrics } from '../../runtime/JobMetrics.js';
import type { KafkaSecuritySpec } from '../../runtime/JobSpec.js';
import { startJobSpec } from '../../runtime/startJobSpec.js';
import { formatDuration } from '../../time/parseDuration.js';
import { durationArgument } from '../durationArgument.js';
import { timerDurationArgument } from '../timerDurationArgument.js';
import { jobSpecOf } from '../jobSpecOf.js';
import { RUN_FLAG_NAMES } from '../runFlagNames.js';
import { quietShutdownLog, shutdownSignal } from '../shutdownSignal.js';
import {
  parseDeadLetterEndpoint,
  parseRecordOutput,
  parseSideOutput,
  parseSinkEndpoint,
  parseSourceEndpoint,
  type Endpoint,
  type RecordOutputEndpoint,
} from '../Endpoint.js';
import { formatSummary } from '../formatSummary.js';
import { ProgressReporter } from '../ProgressReporter.js';
import { serveRunMetrics } from '../serveRunMetrics.js';
import { portArgument } from '../portArgument.js';
import { kafkaSecurityOptions, kafkaSecuritySpecOf } from '../kafkaSecurityOptions.js';
import { logger } from '../../logging/logger.js';

/** The parsed options of `clickflow run`; windowing left out keeps the job's own. */
export interface RunOptions extends JobParameters {
  /** A shipped job's name, or the path of a job module. */
  readonly job: string;
  readonly from: Endpoint;
  readonly to: Endpoint;
  /** `--idle-timeout`: the progress report's idle partitions and, from Kafka, the source's idle timeout after a move. */
  readonly idleTimeoutMs?: number;
  readonly deadLetter?: Endpoint;
  readonly lateOutput?: Endpoint;
  /** The job's record outputs (`--output NAME=file:PATH`). */
  readonly outputs?: readonly RecordOutputEndpoint[];
  readonly brokers?: string;
  readonly topic?: string;
  /** Default `clickflow-<job name>`. */
  readonly group?: string;
  readonly bounded?: boolean;
  /** SASL and TLS of every Kafka client the run opens, by file (read when the job starts); none: PLAINTEXT. */
  readonly kafkaSecurity?: KafkaSecuritySpec;
  readonly influxUrl?: string;
  readonly influxOrg?: string;
  readonly influxBucket?: string;
  readonly influxToken?: string;
  readonly commitIntervalMs?: number;
  /** Serve the job's Prometheus metrics on this loopback port (0: any free one). */
  readonly metricsPort?: number;
  /** Progress line (terminal) or progress logs; off by default for library calls. */
  readonly progress?: boolean;
  readonly quiet?: boolean;
  /** Aborting cancels the job: it flushes, commits and resolves. */
  readonly signal?: AbortSignal;
  /** A backfill (`clickflow backfill`): only this range of Kafka record times. */
  readonly timeRange?: KafkaTimeRange;
}

/** Checks a run's options and starts its job ({@link startJobSpec}). */
export function startRun(options: RunOptions): Promise<{ job: Job; handle: JobHandle }> {
  return startJobSpec(jobSpecOf(options), { names: RUN_FLAG_NAMES });
}

/** Runs a job as `clickflow run` does; resolves with its metrics once every output is flushed and committed. */
export async function runRun(options: RunOptions): Promise<JobMetrics> {
  // Quiet: the log keeps what needs attention, unless the user asked for a level.
  const quiet = options.quiet === true && process.env.CLICKFLOW_LOG_LEVEL === undefined;
  if (quiet) {
    logger.level = 'warn';
    quietShutdownLog();
  }
  const { job, handle } = await startRun(options);
  // The job's own reports go to the log whatever the progress display: start-up phases at debug level.
  handle.events.subscribe((event) => {
    if (event.type === 'log') logger[event.level]({ job: job.name, ...event.fields }, event.message);
  });
  const reporter = options.progress === true ? new ProgressReporter(handle, options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs) : undefined;
  reporter?.start();
  const served = options.metricsPort === undefined ? undefined : await serveRunMetrics(handle, options.metricsPort);
  // Asked for, so said even when quiet: with --metrics-port 0 the port is found nowhere else.
  if (served !== undefined) {
    if (quiet) process.stderr.write(`metrics served at ${served.url}\n`);
    else logger.info({ url: served.url }, 'metrics served');
  }
  const cancel = () => void handle.cancel();
  if (options.signal?.aborted === true) cancel();
  options.signal?.addEventListener('abort', cancel, { once: true });
  const startedMs = Date.now();
  try {
    await handle.done;
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    reporter?.stop();
    await served?.stop();
  }
  if (options.quiet !== true) {
    process.stderr.write(`${formatSummary(job.name, handle.metrics, Date.now() - startedMs)}\n`);
  }
  return handle.metrics;
}

/** `clickflow run`'s arguments and options, without an action: the job manager parses submissions with it. */
export function runCommandDefinition(): Command {
  const duration = (flags: string, description: string, defaultMs?: number) => {
    const option = new Option(flags, description).argParser(durationArgument);
    return defaultMs === undefined ? option : option.default(defaultMs, formatDuration(defaultMs));
  };
  const command = new Command('run')
    .description('run a job from Kafka, a JSON-lines file or the live generator to InfluxDB, stdout, a line-protocol file or none')
    .argument('<job>', 'a shipped job (error-rates, sessions, actions) or the path of a job module (./my-job.js)')
    .addOption(
      new Option('--from <source>', 'where events come from: kafka, file:PATH, generator[:EVENTS_PER_SECOND] (a live generated clickstream, no Kafka), or - (stdin)').argParser(parseSourceEndpoint).makeOptionMandatory(),
    )
    .addOption(new Option('--to <sink>', 'where points go: influx, stdout, file:PATH or none (counted only)').argParser(parseSinkEndpoint).default({ kind: 'stdout' }, 'stdout'))
    .addOption(duration('--window <duration>', `window size (default: the job's; error-rates: ${formatDuration(DEFAULTS.windowMs)} tumbling)`))
    .addOption(duration('--slide <duration>', 'hopping windows: distance between window starts (default: the job\'s)'))
    .addOption(duration('--gap <duration>', `session windows: how long without events ends a session (default: the job's; sessions: ${formatDuration(DEFAULTS.sessionGapMs)})`))
    .addOption(
      duration('--max-out-of-orderness <duration>', `how far behind the newest event an event may arrive (default: the job's, else ${formatDuration(DEFAULTS.maxOutOfOrdernessMs)})`),
    )
    .addOption(
      duration('--allowed-lateness <duration>', `how long a fired window still takes events and fires again (default: the job's, else ${formatDuration(DEFAULTS.allowedLatenessMs)})`),
    )
    .addOption(
      new Option('--early-every <duration>', 'also fire the tumbling and hopping windows over the source every so often of wall-clock time while they are open (marked final=false; the on-time firing replaces them)').argParser(
        timerDurationArgument,
      ),
    )
    .addOption(duration('--idle-timeout <duration>', 'report a partition idle after this long without records; after a keyBy from Kafka it then stops holding back the watermark', DEFAULTS.idleTimeoutMs))
    .addOption(
      new Option('--commit-interval <duration>', 'how often outputs are flushed and the source committed')
        .argParser(timerDurationArgument)
        .default(DEFAULTS.commitIntervalMs, formatDuration(DEFAULTS.commitIntervalMs)),
    )
    .addOption(
      new Option('--dead-letter <output>', 'invalid records: file:PATH or kafka:TOPIC (default: <topic>.dlq from kafka, count only from a file)').argParser(
        parseDeadLetterEndpoint,
      ),
    )
    .addOption(new Option('--late-output <output>', 'late records as JSON lines: file:PATH (default: count only)').argParser(parseSideOutput))
    .addOption(
      new Option('--output <name=output>', 'a record output of the job: NAME=file:PATH or NAME=stdout (JSON lines), or the archive job\'s events=postgres://USER@HOST:PORT/DB[?table=T] (password in PGPASSWORD) (repeatable; sessions: sessions=…)')
        .argParser((text: string, previous: RecordOutputEndpoint[] | undefined) => [...(previous ?? []), parseRecordOutput(text)]),
    )
    .addOption(new Option('--brokers <list>', 'Kafka brokers, host:port[,…]').env('KAFKA_BROKERS').default(DEFAULTS.brokers))
    .addOption(new Option('--topic <name>', 'Kafka topic to read').default(DEFAULTS.topic))
    .addOption(new Option('--group <id>', 'Kafka consumer group (default: clickflow-<job name>)'))
    .option('--bounded', 'read each partition up to its end offset as of the start, fire every window, commit and exit')
    .addOption(new Option('--influx-url <url>', 'InfluxDB URL').env('INFLUX_URL'))
    .addOption(new Option('--influx-org <org>', 'InfluxDB organisation').env('INFLUX_ORG'))
    .addOption(new Option('--influx-bucket <bucket>', 'InfluxDB bucket').env('INFLUX_BUCKET'))
    .addOption(new Option('--influx-token <token>', 'InfluxDB API token (never printed)').env('INFLUX_TOKEN'))
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:<port>/metrics while the job runs (0: any free port)').argParser(portArgument))
    .option('-q, --quiet', 'no progress, no summary, and only warnings and errors in the log on stderr');
  for (const option of kafkaSecurityOptions()) command.addOption(option);
  return command;
}

/** The options of a run from what commander parsed. */
export function runOptionsOf(jobSpec: string, flags: Record<string, unknown>): RunOptions {
  return {
    job: jobSpec,
    from: flags.from as Endpoint,
    to: flags.to as Endpoint,
    windowMs: flags.window as number | undefined,
    slideMs: flags.slide as number | undefined,
    gapMs: flags.gap as number | undefined,
    maxOutOfOrdernessMs: flags.maxOutOfOrderness as number | undefined,
    allowedLatenessMs: flags.allowedLateness as number | undefined,
    earlyEveryMs: flags.earlyEvery as number | undefined,
    idleTimeoutMs: flags.idleTimeout as number,
    commitIntervalMs: flags.commitInterval as number,
    deadLetter: flags.deadLetter as Endpoint | undefined,
    lateOutput: flags.lateOutput as Endpoint | undefined,
    outputs: flags.output as RecordOutputEndpoint[] | undefined,
    brokers: flags.brokers as string,
    topic: flags.topic as string,
    group: flags.group as string | undefined,
    bounded: flags.bounded === true,
    kafkaSecurity: kafkaSecuritySpecOf(flags),
    influxUrl: flags.influxUrl as string | undefined,
    influxOrg: flags.influxOrg as string | undefined,
    influxBucket: flags.influxBucket as string | undefined,
    influxToken: flags.influxToken as string | undefined,
    metricsPort: flags.metricsPort as number | undefined,
    progress: flags.quiet !== true,
    quiet: flags.quiet === true,
  };
}

/** `clickflow run <job>`: runs a job in the foreground until its input ends or SIGINT/SIGTERM. */
export function runCommand(): Command {
  // bin/clickflow.js catches SIGINT/SIGTERM before anything loads: a signal during start-up stops the run too.
  return runCommandDefinition().action(async (jobSpec: string, flags: Record<string, unknown>) => {
    await runRun({ ...runOptionsOf(jobSpec, flags), signal: shutdownSignal });
  });
}
