import { OutputWriteError } from '../connectors/file/OutputWriteError.js';
import { WritableLineSink } from '../connectors/file/WritableLineSink.js';
import { DEFAULTS } from '../config/defaults.js';
import { ConfigError } from '../errors/ConfigError.js';
import { logger } from '../logging/logger.js';
import type { BackpressureGate } from '../runtime/BackpressureGate.js';
import type { DeadLetterSink } from '../runtime/DeadLetterSink.js';
import type { LineSink } from '../runtime/LineSink.js';
import type { Source } from '../runtime/Source.js';
import { checkFileEndpoints } from './checkFileEndpoints.js';
import type { RunOptions } from './commands/runCommand.js';
import { OpenEndpoints } from './openEndpoints.js';
import { RunOutputs } from './RunOutputs.js';

/** A run's endpoints, open and ready for `runJob`. */
export interface OpenedRun {
  readonly source: Source;
  readonly sink: LineSink;
  readonly deadLetters: DeadLetterSink | undefined;
  readonly lateOutput: LineSink | undefined;
  /** Aborted by the caller's signal, or by the first output that fails (its error is the reason). */
  readonly signal: AbortSignal;
  /** Throws the first output failure, for a job that ended without running into it. */
  throwIfOutputFailed(): void;
}

/**
 * Opens a run's endpoints in the order that keeps existing files intact until the job can
 * start: settings and files are checked first, then the source is opened (a Kafka broker
 * reached and its topic found), and only then the outputs, which creates or truncates their
 * files. Resolves with `undefined`, having opened no output, when `options.signal` aborts
 * (SIGINT/SIGTERM) before that.
 */
export async function openRun(options: RunOptions, gate: BackpressureGate): Promise<OpenedRun | undefined> {
  const { signal } = options;
  // A function, not a field read: TypeScript would take `aborted` for constant across the awaits.
  const aborted = () => signal?.aborted === true;
  const endpoints = new OpenEndpoints(
    {
      brokers: options.brokers ?? DEFAULTS.brokers,
      topic: options.topic ?? DEFAULTS.topic,
      group: options.group ?? DEFAULTS.group,
      bounded: options.bounded === true,
    },
    { url: options.influxUrl, org: options.influxOrg, bucket: options.influxBucket, token: options.influxToken },
    gate,
  );
  endpoints.checkSettings(options.from, options.to, options.deadLetter);
  await checkFileEndpoints(options);
  if (aborted()) return undefined;

  const source = endpoints.source(options.from);
  logger.debug({ source: options.from.kind }, 'opening the source');
  try {
    await untilAborted(endpoints.connect(source), signal);
  } catch (error) {
    await source.close?.();
    throw error;
  }
  if (aborted()) {
    await source.close?.();
    return undefined;
  }

  const outputs = new RunOutputs();
  logger.debug('source ready; opening the outputs');
  try {
    const sink = endpoints.sink(options.to);
    const lateOutput = endpoints.lateOutput(options.lateOutput);
    const deadLetters = endpoints.deadLetters(options.deadLetter, options.from);
    const opened: OpenedRun = {
      source,
      sink: outputs.lines(sink, '--to'),
      lateOutput: lateOutput === undefined ? undefined : outputs.lines(lateOutput, '--late-output'),
      deadLetters: deadLetters === undefined ? undefined : outputs.deadLetters(deadLetters, '--dead-letter'),
      signal: anySignal(signal === undefined ? [outputs.failure] : [signal, outputs.failure]),
      throwIfOutputFailed() {
        if (outputs.failure.aborted) throw outputs.failure.reason;
      },
    };
    // A file that passed the checks can still fail to open (removed meanwhile), and a FIFO
    // opens only once something reads it. Either way the job has not started yet.
    await untilAborted(Promise.all([sink, lateOutput].map((s) => (s instanceof WritableLineSink ? s.opened : undefined))), signal);
    if (!aborted()) return opened;
  } catch (error) {
    await outputs.closeAll();
    await source.close?.();
    if (error instanceof OutputWriteError && error.option !== undefined) throw new ConfigError(error.option, error.detail);
    throw error;
  }
  await outputs.closeAll();
  await source.close?.();
  return undefined;
}

/** `work`, or `undefined` as soon as `signal` aborts, whichever comes first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (signal === undefined) return work;
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Aborted when any of `signals` is, with its reason (AbortSignal.any needs Node 20.3). */
function anySignal(signals: readonly AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}
