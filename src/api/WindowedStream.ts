import { DEFAULTS } from '../config/defaults.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { JobParameters, JobSettings } from '../jobs/Job.js';
import type { AggregateFunction } from '../operators/AggregateFunction.js';
import { durationMs, type Duration } from '../operators/Duration.js';
import { EventTimeTrigger, type Trigger } from '../operators/Trigger.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import { AggregatedStream } from './AggregatedStream.js';
import { applyWindowParameters } from './applyWindowParameters.js';
import type { StreamPlan } from './StreamPlan.js';

/** What a windowed stream declares; resolved against the run's parameters when the job starts. */
export interface WindowPlan<T, K> {
  readonly stream: StreamPlan;
  readonly windows: WindowAssigner;
  readonly keyOf: ((record: T) => K) | undefined;
  readonly trigger: Trigger;
  readonly allowedLatenessMs?: number;
}

/** A windowed stream, as Flink's `WindowedStream`: choose lateness and trigger, then an aggregate. */
export class WindowedStream<T, K> {
  private readonly plan: WindowPlan<T, K>;

  constructor(stream: StreamPlan, windows: WindowAssigner, keyOf: ((record: T) => K) | undefined, plan?: Partial<WindowPlan<T, K>>) {
    this.plan = { stream, windows, keyOf, trigger: EventTimeTrigger, ...plan };
  }

  /** How long after a window fired a record may still update it (the window fires again, whole). */
  allowedLateness(lateness: Duration): WindowedStream<T, K> {
    const ms = durationMs(lateness, 'allowed lateness');
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new ConfigError('allowed lateness', `must be zero or a positive whole number of milliseconds, got ${ms}`);
    }
    return new WindowedStream(this.plan.stream, this.plan.windows, this.plan.keyOf, { ...this.plan, allowedLatenessMs: ms });
  }

  /** When windows fire; default `EventTimeTrigger`. */
  trigger(trigger: Trigger): WindowedStream<T, K> {
    return new WindowedStream(this.plan.stream, this.plan.windows, this.plan.keyOf, { ...this.plan, trigger });
  }

  /** Folds each window (of each key) with `aggregate`: `count()`, `max(f)`, `combine({…})`, or your own. */
  aggregate<ACC, OUT>(aggregate: AggregateFunction<T, ACC, OUT>): AggregatedStream<T, ACC, OUT, K> {
    if (this.plan.windows.kind === 'session' && aggregate.merge === undefined) {
      throw new ConfigError('aggregate', 'session windows merge accumulators: give the AggregateFunction a merge(a, b)');
    }
    return new AggregatedStream(this.plan, aggregate);
  }
}

/** The settings of a window plan under a run's parameters. */
export function resolveSettings(plan: WindowPlan<unknown, unknown>, parameters: JobParameters): JobSettings {
  const maxOutOfOrdernessMs = parameters.maxOutOfOrdernessMs ?? plan.stream.maxOutOfOrdernessMs ?? DEFAULTS.maxOutOfOrdernessMs;
  const allowedLatenessMs = parameters.allowedLatenessMs ?? plan.allowedLatenessMs ?? DEFAULTS.allowedLatenessMs;
  for (const [option, ms] of [['--max-out-of-orderness', maxOutOfOrdernessMs], ['--allowed-lateness', allowedLatenessMs]] as const) {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new ConfigError(option, `must be zero or a positive whole number of milliseconds, got ${ms}`);
  }
  return {
    windows: applyWindowParameters(plan.windows, parameters, plan.stream.name),
    trigger: plan.trigger,
    maxOutOfOrdernessMs,
    allowedLatenessMs,
  };
}
