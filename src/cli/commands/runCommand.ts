import { Command, Option } from 'commander';
import { fileSource } from '../../connectors/file/fileSource.js';
import { WritableLineSink } from '../../connectors/file/WritableLineSink.js';
import { DEFAULTS } from '../../config/defaults.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { findJob } from '../../jobs/jobRegistry.js';
import { BackpressureGate } from '../../runtime/BackpressureGate.js';
import type { JobMetrics } from '../../runtime/JobMetrics.js';
import { runJob } from '../../runtime/runJob.js';
import { formatDuration } from '../../time/parseDuration.js';
import { durationArgument } from '../durationArgument.js';
import { parseSideOutput, parseSinkEndpoint, parseSourceEndpoint, type Endpoint } from '../Endpoint.js';
import { formatSummary } from '../formatSummary.js';

/** The parsed options of `clickflow run`. */
export interface RunOptions {
  readonly job: string;
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly windowMs: number;
  readonly slideMs?: number;
  readonly maxOutOfOrdernessMs: number;
  readonly allowedLatenessMs: number;
  readonly deadLetter?: Endpoint;
  readonly lateOutput?: Endpoint;
  readonly quiet?: boolean;
  readonly signal?: AbortSignal;
}

/** Runs a job as `clickflow run` does; resolves with its metrics once every output is flushed. */
export async function runRun(options: RunOptions): Promise<JobMetrics> {
  const job = findJob(options.job);
  if (options.slideMs !== undefined && options.slideMs > options.windowMs) {
    throw new ConfigError(
      '--slide',
      `${formatDuration(options.slideMs)} is longer than --window ${formatDuration(options.windowMs)}; ` +
        'a slide must be at most the window size (equal means tumbling windows)',
    );
  }
  const gate = new BackpressureGate();
  const sink = new WritableLineSink(options.to.kind === 'file' ? { path: options.to.path } : 'stdout', gate);
  const sideOutput = (endpoint: Endpoint | undefined) =>
    endpoint?.kind === 'file' ? new WritableLineSink({ path: endpoint.path }) : undefined;
  const startedMs = Date.now();
  const metrics = await runJob({
    job,
    windowing: {
      windowMs: options.windowMs,
      slideMs: options.slideMs,
      maxOutOfOrdernessMs: options.maxOutOfOrdernessMs,
      allowedLatenessMs: options.allowedLatenessMs,
    },
    source: fileSource({ path: options.from.kind === 'file' ? options.from.path : '-', gate }),
    sink,
    deadLetters: sideOutput(options.deadLetter),
    lateOutput: sideOutput(options.lateOutput),
    signal: options.signal,
  });
  if (options.quiet !== true) {
    process.stderr.write(`${formatSummary(job.name, metrics, Date.now() - startedMs)}\n`);
  }
  return metrics;
}

/** `clickflow run <job>`: runs a job in the foreground until its input ends or SIGINT/SIGTERM. */
export function runCommand(): Command {
  return new Command('run')
    .description('run a job over a JSON-lines file or stdin, writing InfluxDB line protocol')
    .argument('<job>', 'the job to run: error-rates')
    .addOption(
      new Option('--from <source>', 'where events come from: file:PATH or - (stdin)')
        .argParser(parseSourceEndpoint)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--to <sink>', 'where points go: stdout or file:PATH')
        .argParser(parseSinkEndpoint)
        .default({ kind: 'stdout' }, 'stdout'),
    )
    .addOption(
      new Option('--window <duration>', 'window size')
        .argParser(durationArgument)
        .default(DEFAULTS.windowMs, formatDuration(DEFAULTS.windowMs)),
    )
    .addOption(
      new Option('--slide <duration>', 'hopping windows: distance between window starts (default: tumbling)')
        .argParser(durationArgument),
    )
    .addOption(
      new Option('--max-out-of-orderness <duration>', 'how far behind the newest event an event may arrive')
        .argParser(durationArgument)
        .default(DEFAULTS.maxOutOfOrdernessMs, formatDuration(DEFAULTS.maxOutOfOrdernessMs)),
    )
    .addOption(
      new Option('--allowed-lateness <duration>', 'how long a fired window still takes events and fires again')
        .argParser(durationArgument)
        .default(DEFAULTS.allowedLatenessMs, '0s'),
    )
    .addOption(
      new Option('--dead-letter <output>', 'where invalid records go, as JSON lines with their reason: file:PATH (default: count only)')
        .argParser(parseSideOutput),
    )
    .addOption(
      new Option('--late-output <output>', 'where late records go, as JSON lines: file:PATH (default: count only)')
        .argParser(parseSideOutput),
    )
    .option('-q, --quiet', 'do not print the summary on stderr')
    .action(async (jobName: string, flags: Record<string, unknown>) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await runRun({
          job: jobName,
          from: flags.from as Endpoint,
          to: flags.to as Endpoint,
          windowMs: flags.window as number,
          slideMs: flags.slide as number | undefined,
          maxOutOfOrdernessMs: flags.maxOutOfOrderness as number,
          allowedLatenessMs: flags.allowedLateness as number,
          deadLetter: flags.deadLetter as Endpoint | undefined,
          lateOutput: flags.lateOutput as Endpoint | undefined,
          quiet: flags.quiet === true,
          signal: controller.signal,
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
