import { Command, Option } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULTS } from '../../config/defaults.js';
import { ClickflowError } from '../../errors/ClickflowError.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { JobManagerClient } from '../../jobmanager/JobManagerClient.js';
import type { JobManager } from '../../jobmanager/JobManager.js';
import type { JobRecord } from '../../jobmanager/ManagedJob.js';
import { logger } from '../../logging/logger.js';
import { formatDuration } from '../../time/parseDuration.js';
import { checkFileEndpoints } from '../../runtime/checkFileEndpoints.js';
import { RUN_FLAG_NAMES } from '../runFlagNames.js';
import { durationArgument } from '../durationArgument.js';
import { generatorRateArgument } from '../generatorRateArgument.js';
import { timerDurationArgument } from '../timerDurationArgument.js';
import { portArgument } from '../portArgument.js';
import { shutdownSignal } from '../shutdownSignal.js';
import { runJobManager } from './jobManagerCommand.js';

/** The options of `clickflow demo`. */
export interface DemoOptions {
  readonly port: number;
  /** Port of the collector that serves the demo shop (0: any free one). */
  readonly collectorPort: number;
  readonly token?: string;
  /** Also write the points as line protocol to this file (relative to the working directory). */
  readonly out?: string;
  /** Stop after this long; unset: run until `signal`. */
  readonly durationMs?: number;
  readonly ratePerSecond: number;
  readonly windowMs?: number;
  readonly maxOutOfOrdernessMs?: number;
  readonly allowedLatenessMs: number;
  readonly signal: AbortSignal;
  /** Where the demo says what it does and where the page is. */
  readonly print: (line: string) => void;
}

/**
 * The first thing a newcomer runs: a job manager on loopback with the error-rates and actions
 * jobs reading a live generated clickstream (`--from generator`: the Faker generator feeding an
 * in-memory topic of 3 partitions in real time), their points on the manager's page and, with
 * `out`, the error rates in a line-protocol file. Beside it a collector serves the demo shop,
 * whose tracked clicks, page views and errors join each job's in-memory topic. Same engine and
 * job code as against Kafka and InfluxDB; only the source and the sink differ. Runs until
 * `signal` aborts or `durationMs` passes, then stops the jobs gracefully (the file is
 * complete); rejects when a job fails.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const out = options.out === undefined ? undefined : resolve(options.out);
  if (out !== undefined) {
    // Checked before the manager starts, under the option the user gave.
    await checkFileEndpoints({ source: { kind: 'generator' }, sink: { kind: 'file', path: out } }, RUN_FLAG_NAMES).catch((error: unknown) => {
      // --out takes a plain path: a hint to write `file:PATH` (as --to wants) would be wrong here.
      throw error instanceof ConfigError ? new ConfigError('--out', error.message.replace(/^--to: /, '').replaceAll(`file:${out}`, out)) : error;
    });
  }
  const windowing = [
    '--allowed-lateness', formatDuration(options.allowedLatenessMs),
    ...(options.windowMs === undefined ? [] : ['--window', formatDuration(options.windowMs)]),
    ...(options.maxOutOfOrdernessMs === undefined ? [] : ['--max-out-of-orderness', formatDuration(options.maxOutOfOrdernessMs)]),
  ];
  const from = ['--from', `generator:${options.ratePerSecond}`];
  // The actions job counts the shop's clicks; the generated events, which have no action, move its watermarks.
  // The live page shows each open window filling (early firings); a --out file gets final points only.
  const early = ['--early-every', formatDuration(DEFAULTS.demo.earlyEveryMs)];
  const jobs = [
    { job: 'error-rates', args: [...from, '--to', out === undefined ? 'none' : `file:${out}`, ...windowing, ...(out === undefined ? early : [])] },
    { job: 'actions', args: [...from, '--to', 'none', ...windowing, ...early] },
  ];
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  if (options.signal.aborted) stop.abort();
  options.signal.addEventListener('abort', onSignal, { once: true });
  const timer = options.durationMs === undefined ? undefined : setTimeout(() => stop.abort(), options.durationMs);
  // A state file of its own: the demo's jobs must not land among the jobs of the user's manager.
  const stateDirectory = await mkdtemp(join(tmpdir(), 'clickflow-demo-'));
  // Before the manager: a collector port in use stops the demo before anything else starts.
  // Its events go to the manager's generator jobs once it runs.
  const [{ startCollector }, { generatorJobsWriter }, site] = await Promise.all([
    import('../../collector/startCollector.js'),
    import('../../jobmanager/generatorJobsWriter.js'),
    import('../../site/demoSiteRoutes.js'),
  ]);
  let manager: JobManager | undefined;
  const collector = await startCollector({
    writer: generatorJobsWriter(() => manager),
    port: options.collectorPort,
    host: DEFAULTS.jobManager.host,
    routes: site.demoSiteRoutes(),
    notFoundPages: site.demoSiteNotFoundPages(),
  }).catch(async (error: unknown) => {
    await rm(stateDirectory, { recursive: true, force: true });
    throw error instanceof ConfigError && error.option === '--port' ? new ConfigError('--collector-port', error.message.slice('--port: '.length).replace('--port', '--collector-port')) : error;
  });
  let failure: unknown;
  const jobIds = new Set<string>();
  let submitted = false;
  const ended = new Map<string, JobRecord>();
  let pageUrl = '';
  const onEnded = (record: JobRecord) => {
    if (record.state === 'FAILED') {
      // The error-rates job's --to is the demo's --out.
      const reason = (record.lastError?.message ?? 'no reason given').replace(/^--to: /, '--out: ');
      failure = new ClickflowError(`the demo's ${record.name} job failed: ${reason}`);
      stop.abort();
    } else if (record.state === 'CANCELED' && !stop.signal.aborted) {
      options.print(`the demo's ${record.name} job was cancelled; the page at ${pageUrl} stays up: submit another job there, or press Ctrl-C to stop`);
    }
  };
  const submit = async (url: string) => {
    pageUrl = `${url}/`;
    try {
      const client = new JobManagerClient(url, options.token);
      for (const { job, args } of jobs) jobIds.add(String((await client.submit(job, args, 'none')).id));
      submitted = true;
      const { demo } = DEFAULTS;
      options.print(
        `clickflow demo: the error-rates and actions jobs over a live generated clickstream: ${demo.partitions} partitions, ${options.ratePerSecond} events/s, ` +
          `a ${demo.burst.status} burst for ${formatDuration(demo.burst.durationMs)} every ${formatDuration(demo.burst.everyMs)}`,
      );
      if (out !== undefined) options.print(`points also go to ${out} (line protocol)`);
      options.print(`shop at ${collector.url}/shop: its clicks (add to cart, buy now), page views and errors join the stream`);
      options.print(`open ${pageUrl}`);
      options.print(options.durationMs === undefined ? 'Ctrl-C stops it' : `it stops after ${formatDuration(options.durationMs)}, or on Ctrl-C`);
      for (const id of jobIds) {
        const early = ended.get(id);
        if (early !== undefined) onEnded(early);
      }
    } catch (error) {
      failure = error;
      stop.abort();
    }
  };
  try {
    await runJobManager({
      port: options.port,
      host: DEFAULTS.jobManager.host,
      token: options.token,
      stateFile: join(stateDirectory, 'jobmanager.json'),
      // A failure ends the demo at once with its reason, rather than after retries.
      restart: 'none',
      signal: stop.signal,
      onListening: (url, running) => {
        manager = running;
        if (!stop.signal.aborted) void submit(url);
      },
      onJobEnded: (record) => {
        if (!submitted) ended.set(record.id, record);
        else if (jobIds.has(record.id)) onEnded(record);
      },
    });
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onSignal);
    manager = undefined;
    await collector.close();
    await rm(stateDirectory, { recursive: true, force: true });
  }
  if (failure !== undefined) throw failure;
}

/** `clickflow demo`: the job manager's live page over a generated clickstream; needs no Kafka, InfluxDB or network. */
export function demoCommand(): Command {
  const duration = (flags: string, description: string) => new Option(flags, description).argParser(durationArgument);
  return new Command('demo')
    .description('watch the error-rates and actions jobs live: a job manager and its page, fed by a generated clickstream and the demo shop\'s clicks (no Kafka, no InfluxDB)')
    .addOption(new Option('--port <port>', 'port of the job manager and its page (0: any free one)').argParser(portArgument).default(DEFAULTS.jobManager.port))
    .addOption(new Option('--collector-port <port>', 'port of the collector that serves the demo shop at /shop (0: any free one)').argParser(portArgument).default(DEFAULTS.collector.port))
    .addOption(new Option('--token <token>', 'bearer token the page and the API ask for (never printed)').env('CLICKFLOW_TOKEN'))
    .addOption(new Option('--out <file>', 'also write the points as line protocol to this file'))
    .addOption(new Option('--duration <duration>', 'stop after this long (default: run until Ctrl-C)').argParser(timerDurationArgument))
    .addOption(
      new Option('--rate <events/s>', 'events generated per second')
        .argParser((text: string) => generatorRateArgument(text, '--rate 500'))
        .default(DEFAULTS.demo.ratePerSecond),
    )
    .addOption(duration('--window <duration>', `window size (default: the job's, ${formatDuration(DEFAULTS.windowMs)})`))
    .addOption(duration('--max-out-of-orderness <duration>', `the watermark's bound (default: ${formatDuration(DEFAULTS.maxOutOfOrdernessMs)})`))
    .addOption(
      duration('--allowed-lateness <duration>', 'how long a fired window still takes late events and fires again').default(
        DEFAULTS.demo.allowedLatenessMs,
        formatDuration(DEFAULTS.demo.allowedLatenessMs),
      ),
    )
    .action(async (flags: Record<string, unknown>) => {
      // The demo talks in plain lines and shows the rest on its page: the manager's JSON logs
      // only for warnings, unless CLICKFLOW_LOG_LEVEL asks for more.
      if (process.env.CLICKFLOW_LOG_LEVEL === undefined) logger.level = 'warn';
      // Once the reader of stdout has gone (`| head -1`), a line fails with EPIPE; the page is
      // what matters, so the demo runs on, and without a listener the stream's 'error' event
      // would crash its exit with a stack trace.
      process.stdout.on('error', ignoreStdoutError);
      await runDemo({
        port: flags.port as number,
        collectorPort: flags.collectorPort as number,
        token: flags.token as string | undefined,
        out: flags.out as string | undefined,
        durationMs: flags.duration as number | undefined,
        ratePerSecond: flags.rate as number,
        windowMs: flags.window as number | undefined,
        maxOutOfOrdernessMs: flags.maxOutOfOrderness as number | undefined,
        allowedLatenessMs: flags.allowedLateness as number,
        signal: shutdownSignal,
        print: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write('stopped\n');
    });
}

/** Lines the demo prints are a courtesy: a reader of stdout that stopped loses them, nothing else. */
function ignoreStdoutError(): void {}

