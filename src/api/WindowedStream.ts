import { DEFAULTS } from '../config/defaults.js';
import type { JobParameters, JobSettings } from '../jobs/Job.js';
import type { AggregateFunction } from '../operators/AggregateFunction.js';
import { requireMerge } from '../operators/aggregates/mergeOrFail.js';
import { durationMs, nonNegativeMs, type Duration } from '../operators/Duration.js';
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
  constructor(private readonly plan: WindowPlan<T, K>) {}

  /** Windows `windows` over `stream`, per key when `keyOf` is given, fired by `EventTimeTrigger`. */
  static of<T, K>(stream: StreamPlan, windows: WindowAssigner, keyOf: ((record: T) => K) | undefined): WindowedStream<T, K> {
    return new WindowedStream({ stream, windows, keyOf, trigger: EventTimeTrigger });
  }

  /** How long after a window fired a record may still update it (the window fires again, whole). */
  allowedLateness(lateness: Duration): WindowedStream<T, K> {
    return new WindowedStream({ ...this.plan, allowedLatenessMs: nonNegativeMs(durationMs(lateness, 'allowed lateness'), 'allowed lateness') });
  }

  /** When windows fire; default `EventTimeTrigger`. */
  trigger(trigger: Trigger): WindowedStream<T, K> {
    return new WindowedStream({ ...this.plan, trigger });
  }

  /** Folds each window (of each key) with `aggregate`: `count()`, `max(f)`, `combine({…})`, or your own. */
  aggregate<ACC, OUT>(aggregate: AggregateFunction<T, ACC, OUT>): AggregatedStream<T, ACC, OUT, K> {
    if (this.plan.windows.kind === 'session') requireMerge(aggregate);
    return new AggregatedStream(this.plan, aggregate);
  }
}

/** The settings of a window plan under a run's parameters. */
export function resolveSettings(plan: WindowPlan<unknown, unknown>, parameters: JobParameters): JobSettings {
  const maxOutOfOrdernessMs = parameters.maxOutOfOrdernessMs ?? plan.stream.maxOutOfOrdernessMs ?? DEFAULTS.maxOutOfOrdernessMs;
  const allowedLatenessMs = parameters.allowedLatenessMs ?? plan.allowedLatenessMs ?? DEFAULTS.allowedLatenessMs;
  return {
    windows: applyWindowParameters(plan.windows, parameters, plan.stream.name),
    trigger: plan.trigger,
    maxOutOfOrdernessMs: nonNegativeMs(maxOutOfOrdernessMs, '--max-out-of-orderness'),
    allowedLatenessMs: nonNegativeMs(allowedLatenessMs, '--allowed-lateness'),
  };
}
