import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULTS } from '../../config/defaults.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { parseBurstSpec, type BurstSpec } from '../../producer/BurstSpec.js';
import { parseRate } from '../../producer/checkRate.js';
import { parseSeed } from '../../producer/checkSeed.js';
import type { GeneratorOptions } from '../../producer/ClickstreamGenerator.js';
import { parseStartTime } from '../../producer/parseStartTime.js';
import type { ProducerProgress, ProducerTarget } from '../../producer/runProducer.js';
import { parseDuration } from '../../time/parseDuration.js';
import { durationArgument } from '../durationArgument.js';
import { timerDurationArgument } from '../timerDurationArgument.js';
import { fractionArgument, integerArgument } from '../numberArgument.js';
import { kafkaSecurityOf, kafkaSecurityOptions } from '../kafkaSecurityOptions.js';
import type { KafkaSecurity } from '../../connectors/kafka/kafkaSecurity.js';

/** The parsed options of `clickflow produce`. */
export interface ProduceOptions {
  readonly brokers: string;
  /** SASL and TLS; none: PLAINTEXT. */
  readonly kafkaSecurity?: KafkaSecurity;
  readonly topic: string;
  readonly partitions: number;
  readonly rate?: number;
  readonly count?: number;
  readonly durationMs?: number;
  readonly urls: number;
  readonly users: number;
  readonly errorRate: number;
  readonly seed?: number;
  readonly startTimeMs?: number;
  readonly bursts: readonly BurstSpec[];
  readonly late?: { readonly fraction: number; readonly maxDelayMs: number };
  readonly outOfOrderMs: number;
  readonly invalidFraction: number;
  readonly dryRun: boolean;
  readonly batchSize: number;
  /** Stops the run: what was generated is flushed and the run resolves with what was sent. */
  readonly signal?: AbortSignal;
  /** Called once the generator is built, before the first connection or record; see {@link ProducerRun.onStart}. */
  readonly onStart?: () => void;
  /** Where the progress line and the summary go; none when undefined. */
  readonly log?: (text: string, final: boolean) => void;
}

/** Runs `clickflow produce`: generates events and sends them to Kafka (or stdout with `dryRun`). */
export async function runProduce(options: ProduceOptions): Promise<ProducerProgress> {
  if (options.count !== undefined && options.durationMs !== undefined) {
    throw new ConfigError('--count', 'give --count or --duration, not both');
  }
  const seeded = options.seed !== undefined;
  const startTimeMs = options.startTimeMs ?? (seeded ? parseStartTime(DEFAULTS.producer.seededStartTime) : Date.now());
  const generator: GeneratorOptions = {
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 31),
    urls: options.urls,
    users: options.users,
    errorRate: options.errorRate,
    startTimeMs,
    eventsPerSecond: options.rate ?? DEFAULTS.producer.eventsPerSecond,
    // Unseeded runs feed live dashboards, so events carry the wall-clock time; seeded runs
    // follow a fixed timeline so that the same seed gives the same bytes.
    clock: seeded || options.startTimeMs !== undefined ? undefined : Date.now,
    bursts: options.bursts,
    late: options.late,
    outOfOrderMs: options.outOfOrderMs,
    invalidFraction: options.invalidFraction,
  };
  if (options.dryRun) {
    // A failed write's callback carries the error (EPIPE once `| head` has what it wants)
    // into the run, which stops and rethrows it; without a listener the stream would also
    // emit it as an 'error' event and crash the process with a stack trace. Never removed:
    // the event follows the callback, after the run may have ended.
    if (!process.stdout.listeners('error').includes(ignoreStdoutError)) process.stdout.on('error', ignoreStdoutError);
  }
  const target: ProducerTarget = options.dryRun
    ? {
        kind: 'stream',
        write: (text) =>
          new Promise<void>((resolve, reject) =>
            process.stdout.write(text, (error) => (error ? reject(error) : resolve())),
          ),
      }
    : {
        kind: 'kafka',
        kafka: (await import('../../connectors/kafka/kafkaClient.js')).kafkaClient({ brokers: options.brokers, clientId: 'clickflow-producer', security: options.kafkaSecurity }),
        brokers: options.brokers,
        topic: options.topic,
        partitions: options.partitions,
      };
  const log = options.log;
  const line = (p: ProducerProgress) => {
    const seconds = p.elapsedMs / 1000;
    const rate = seconds > 0 ? Math.round(p.sent / seconds) : 0;
    return `sent ${p.sent} events, ${rate}/s, ${seconds.toFixed(1)}s elapsed`;
  };
  // Imported here: the generator loads Faker (~0.25 s of CPU), which every other command would pay at start-up.
  const { runProducer } = await import('../../producer/runProducer.js');
  const result = await runProducer(
    {
      generator,
      count: options.count,
      durationMs: options.durationMs,
      rate: options.rate,
      batchSize: options.batchSize,
      signal: options.signal,
      onStart: options.onStart,
      onProgress: log === undefined ? undefined : (p) => log(line(p), false),
    },
    target,
  );
  log?.(`${line(result)}${options.dryRun ? '' : ` to ${options.topic}`}`, true);
  return result;
}

function ignoreStdoutError(): void {}

/**
 * Pools of URLs and users are built before the first event, without a turn of the event loop:
 * a million take about ten seconds, and ten million would run for minutes into gigabytes.
 */
const MAX_POOL_SIZE = 1_000_000;
/**
 * A batch is generated in one synchronous loop before it is sent, so its size bounds how long
 * a signal waits: 100 000 records take a fraction of a second, a hundred million would take
 * minutes and gigabytes.
 */
const MAX_BATCH_SIZE = 100_000;

/** {@link integerArgument} with an upper bound the message states. */
function boundedIntegerArgument(min: number, max: number): (text: string) => number {
  const parse = integerArgument(min);
  return (text) => {
    const value = parse(text);
    if (value > max) throw new InvalidArgumentError(`"${text}" must be a whole number from ${min} to ${max}.`);
    return value;
  };
}

/** Turns a producer parser's ConfigError into commander's InvalidArgumentError, so that the flag is reported like every other (exit 2). */
function commanderArgument<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof ConfigError) throw new InvalidArgumentError(error.message.slice(error.option.length + 2));
      throw error;
    }
  };
}

function lateArgument(text: string): { fraction: number; maxDelayMs: number } {
  const [fraction, delay, ...rest] = text.split(':');
  const usage = 'write <fraction>:<max-delay>, e.g. 0.02:2m';
  if (fraction === undefined || delay === undefined || rest.length > 0) {
    throw new InvalidArgumentError(`"${text}" is not a late spec; ${usage}.`);
  }
  try {
    return { fraction: fractionArgument(fraction), maxDelayMs: parseDuration(delay) };
  } catch {
    throw new InvalidArgumentError(`"${text}" is not a late spec; ${usage}.`);
  }
}

function burstArgument(text: string, previous: BurstSpec[] | undefined): BurstSpec[] {
  try {
    return [...(previous ?? []), parseBurstSpec(text)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--burst: /, ''));
  }
}

/** `clickflow produce`: a Faker clickstream into Kafka. */
export function produceCommand(): Command {
  const p = DEFAULTS.producer;
  const command = new Command('produce')
    .description('send synthetic clickstream events (Faker) to a Kafka topic, keyed by URL')
    .addOption(new Option('--brokers <list>', 'Kafka brokers, host:port[,…]').env('KAFKA_BROKERS').default(DEFAULTS.brokers))
    .addOption(new Option('--topic <name>', 'topic to send to').default(DEFAULTS.topic))
    .addOption(new Option('--partitions <n>', 'partitions of the topic if it has to be created').argParser(integerArgument(1)).default(p.partitions))
    .addOption(new Option('--rate <events/s>', 'events per second, 0.001 to 10000000 (default: as fast as the broker takes them)').argParser(commanderArgument(parseRate)))
    .addOption(new Option('--count <n>', 'stop after n events').argParser(integerArgument(0)))
    .addOption(new Option('--duration <duration>', 'stop after this long, e.g. 5m').argParser(timerDurationArgument))
    .addOption(new Option('--urls <n>', `distinct URLs (Zipf popularity), at most ${MAX_POOL_SIZE}`).argParser(boundedIntegerArgument(1, MAX_POOL_SIZE)).default(p.urls))
    .addOption(new Option('--users <n>', `distinct users, at most ${MAX_POOL_SIZE}`).argParser(boundedIntegerArgument(1, MAX_POOL_SIZE)).default(p.users))
    .addOption(new Option('--error-rate <0..1>', 'share of 4xx/5xx statuses').argParser(fractionArgument).default(p.errorRate))
    .addOption(new Option('--seed <n>', '0 to 2^53-1; same seed and options, same events, byte for byte (event clock starts at --start-time)').argParser(commanderArgument(parseSeed)))
    .addOption(
      new Option('--start-time <iso>', `event time of the first event, ISO-8601, UTC unless an offset is given (default: now; with --seed ${p.seededStartTime})`).argParser(
        commanderArgument(parseStartTime),
      ),
    )
    .addOption(new Option('--burst <spec>', 'error spike <status>:<fraction>:<duration>[@<every>], e.g. 503:0.5:30s@5m; repeatable').argParser(burstArgument))
    .addOption(new Option('--late <spec>', 'send <fraction> of events late by up to <max-delay>, e.g. 0.02:2m').argParser(lateArgument))
    .addOption(new Option('--out-of-order <max-skew>', 'move every event back in time by up to this much').argParser(durationArgument).default(0, '0s'))
    .addOption(new Option('--invalid <0..1>', 'share of malformed records').argParser(fractionArgument).default(0))
    .addOption(new Option('--batch-size <n>', `messages per produce request, at most ${MAX_BATCH_SIZE}`).argParser(boundedIntegerArgument(1, MAX_BATCH_SIZE)).default(p.batchSize))
    .option('--dry-run', 'print the events as JSON lines instead of sending them');
  for (const option of kafkaSecurityOptions()) command.addOption(option);
  return command.action(async (flags: Record<string, unknown>) => {
    const controller = new AbortController();
    const stop = () => controller.abort();
    // `once`: a second Ctrl-C gets the default effect and ends a run that waits on a broker.
    const listen = () => {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    };
    const tty = process.stderr.isTTY === true;
    try {
      await runProduce({
        brokers: flags.brokers as string,
        kafkaSecurity: flags.dryRun === true ? undefined : kafkaSecurityOf(flags),
        topic: flags.topic as string,
        partitions: flags.partitions as number,
        rate: flags.rate as number | undefined,
        count: flags.count as number | undefined,
        durationMs: flags.duration as number | undefined,
        urls: flags.urls as number,
        users: flags.users as number,
        errorRate: flags.errorRate as number,
        seed: flags.seed as number | undefined,
        startTimeMs: flags.startTime as number | undefined,
        bursts: (flags.burst as BurstSpec[] | undefined) ?? [],
        late: flags.late as ProduceOptions['late'],
        outOfOrderMs: flags.outOfOrder as number,
        invalidFraction: flags.invalid as number,
        dryRun: flags.dryRun === true,
        batchSize: flags.batchSize as number,
        signal: controller.signal,
        onStart: listen,
        log: (text, final) => {
          if (final) process.stderr.write(tty ? `\r\x1b[K${text}\n` : `${text}\n`);
          else if (tty) process.stderr.write(`\r\x1b[K${text}`);
        },
      });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
}
