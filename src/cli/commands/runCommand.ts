import { Command, Option } from 'commander';
import { DEFAULTS } from '../../config/defaults.js';
import { findJob } from '../../jobs/jobRegistry.js';
import { logger } from '../../logging/logger.js';
import { BackpressureGate } from '../../runtime/BackpressureGate.js';
import { JobMetrics } from '../../runtime/JobMetrics.js';
import { ProgressReporter } from '../../runtime/ProgressReporter.js';
import { runJob } from '../../runtime/runJob.js';
import { formatDuration } from '../../time/parseDuration.js';
import { durationArgument } from '../durationArgument.js';
import {
  parseDeadLetterEndpoint,
  parseSideOutput,
  parseSinkEndpoint,
  parseSourceEndpoint,
  type Endpoint,
} from '../Endpoint.js';
import { formatSummary } from '../formatSummary.js';
import { openRun } from '../openRun.js';
import { shutdownSignal } from '../shutdownSignal.js';
import { validateRunOptions } from '../validateRunOptions.js';

/** The parsed options of `clickflow run`. */
export interface RunOptions {
  readonly job: string;
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly windowMs: number;
  readonly slideMs?: number;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
  readonly idleTimeoutMs?: number;
  readonly deadLetter?: Endpoint;
  readonly lateOutput?: Endpoint;
  readonly brokers?: string;
  readonly topic?: string;
  readonly group?: string;
  readonly bounded?: boolean;
  readonly influxUrl?: string;
  readonly influxOrg?: string;
  readonly influxBucket?: string;
  readonly influxToken?: string;
  readonly commitIntervalMs?: number;
  /** Progress line (terminal) or progress logs; off by default for library calls. */
  readonly progress?: boolean;
  readonly quiet?: boolean;
  readonly signal?: AbortSignal;
}

/** Runs a job as `clickflow run` does; resolves with its metrics once every output is flushed and committed. */
export async function runRun(options: RunOptions): Promise<JobMetrics> {
  const job = findJob(options.job);
  const windowing = {
    windowMs: options.windowMs,
    slideMs: options.slideMs,
    maxOutOfOrdernessMs: options.maxOutOfOrdernessMs,
    allowedLatenessMs: options.allowedLatenessMs,
  };
  validateRunOptions(job, { from: options.from, windowing, bounded: options.bounded });
  const metrics = new JobMetrics();
  const startedMs = Date.now();
  // Undefined when a signal came before the outputs were opened: nothing to run or flush.
  const run = await openRun(options, new BackpressureGate());
  if (run !== undefined) {
    const reporter =
      options.progress === true ? new ProgressReporter(job.name, metrics, options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs) : undefined;
    reporter?.start();
    logger.debug({ job: job.name }, 'job started');
    await runJob({
      job,
      windowing,
      source: run.source,
      sink: run.sink,
      deadLetters: run.deadLetters,
      lateOutput: run.lateOutput,
      signal: run.signal,
      commitIntervalMs: options.commitIntervalMs,
      metrics,
      onOutput: reporter === undefined ? undefined : (out) => reporter.observe(out.partition, out.watermarkMs),
      onWarning: (message) => logger.warn(message),
    }).finally(() => reporter?.stop());
    run.throwIfOutputFailed();
  }
  if (options.quiet !== true) {
    process.stderr.write(`${formatSummary(job.name, metrics, Date.now() - startedMs)}\n`);
  }
  return metrics;
}

/** `clickflow run <job>`: runs a job in the foreground until its input ends or SIGINT/SIGTERM. */
export function runCommand(): Command {
  const duration = (flags: string, description: string, defaultMs?: number) => {
    const option = new Option(flags, description).argParser(durationArgument);
    return defaultMs === undefined ? option : option.default(defaultMs, formatDuration(defaultMs));
  };
  return new Command('run')
    .description('run a job from Kafka or a JSON-lines file to InfluxDB, stdout or a line-protocol file')
    .argument('<job>', 'the job to run: error-rates')
    .addOption(
      new Option('--from <source>', 'where events come from: kafka, file:PATH, or - (stdin)').argParser(parseSourceEndpoint).makeOptionMandatory(),
    )
    .addOption(new Option('--to <sink>', 'where points go: influx, stdout or file:PATH').argParser(parseSinkEndpoint).default({ kind: 'stdout' }, 'stdout'))
    .addOption(duration('--window <duration>', 'window size', DEFAULTS.windowMs))
    .addOption(duration('--slide <duration>', 'hopping windows: distance between window starts (default: tumbling)'))
    .addOption(duration('--max-out-of-orderness <duration>', 'how far behind the newest event an event may arrive', DEFAULTS.maxOutOfOrdernessMs))
    .addOption(new Option('--allowed-lateness <duration>', 'how long a fired window still takes events and fires again').argParser(durationArgument).default(DEFAULTS.allowedLatenessMs, '0s'))
    .addOption(duration('--idle-timeout <duration>', 'report a partition idle after this long without records', DEFAULTS.idleTimeoutMs))
    .addOption(
      new Option('--dead-letter <output>', 'invalid records: file:PATH or kafka:TOPIC (default: <topic>.dlq from kafka, count only from a file)').argParser(
        parseDeadLetterEndpoint,
      ),
    )
    .addOption(new Option('--late-output <output>', 'late records as JSON lines: file:PATH (default: count only)').argParser(parseSideOutput))
    .addOption(new Option('--brokers <list>', 'Kafka brokers, host:port[,…]').env('KAFKA_BROKERS').default(DEFAULTS.brokers))
    .addOption(new Option('--topic <name>', 'Kafka topic to read').default(DEFAULTS.topic))
    .addOption(new Option('--group <id>', 'Kafka consumer group').default(DEFAULTS.group))
    .option('--bounded', 'read each partition up to its end offset as of the start, fire every window, commit and exit')
    .addOption(new Option('--influx-url <url>', 'InfluxDB URL').env('INFLUX_URL'))
    .addOption(new Option('--influx-org <org>', 'InfluxDB organisation').env('INFLUX_ORG'))
    .addOption(new Option('--influx-bucket <bucket>', 'InfluxDB bucket').env('INFLUX_BUCKET'))
    .addOption(new Option('--influx-token <token>', 'InfluxDB API token (never printed)').env('INFLUX_TOKEN'))
    .option('-q, --quiet', 'no progress and no summary on stderr')
    .action(async (jobName: string, flags: Record<string, unknown>) => {
      await runRun({
        job: jobName,
        from: flags.from as Endpoint,
        to: flags.to as Endpoint,
        windowMs: flags.window as number,
        slideMs: flags.slide as number | undefined,
        maxOutOfOrdernessMs: flags.maxOutOfOrderness as number,
        allowedLatenessMs: flags.allowedLateness as number,
        idleTimeoutMs: flags.idleTimeout as number,
        deadLetter: flags.deadLetter as Endpoint | undefined,
        lateOutput: flags.lateOutput as Endpoint | undefined,
        brokers: flags.brokers as string,
        topic: flags.topic as string,
        group: flags.group as string,
        bounded: flags.bounded === true,
        influxUrl: flags.influxUrl as string | undefined,
        influxOrg: flags.influxOrg as string | undefined,
        influxBucket: flags.influxBucket as string | undefined,
        influxToken: flags.influxToken as string | undefined,
        progress: flags.quiet !== true,
        quiet: flags.quiet === true,
        // Caught since the first line of bin/clickflow.js, so a signal during start-up counts too.
        signal: shutdownSignal,
      });
    });
}
