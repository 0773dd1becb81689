import { ConfigError } from '../errors/ConfigError.js';
import type { JobSpec } from '../runtime/JobSpec.js';
import { parseJobSpec } from '../runtime/parseJobSpec.js';
import { EMPTY_METRICS, type JobRecord, type ManagedJobState } from './ManagedJob.js';
import type { RestartStrategy } from './RestartStrategy.js';
import type { JobMetricsSnapshot } from './WorkerMessage.js';

const STATES: readonly ManagedJobState[] = ['CREATED', 'RUNNING', 'RESTARTING', 'FINISHED', 'CANCELED', 'FAILED'];

/** A stored record, read: usable (`repaired` says what was reset), or its problem. */
export type StoredRecord =
  | { readonly record: JobRecord; readonly repaired?: string }
  | { readonly problem: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isNumberMap = (value: unknown): boolean => isObject(value) && Object.values(value).every((n) => typeof n === 'number');

function restartOf(value: unknown): RestartStrategy | undefined {
  if (!isObject(value)) return undefined;
  if (value.kind === 'none') return { kind: 'none' };
  if (value.kind === 'fixed-delay' && isCount(value.attempts) && isCount(value.delayMs)) return { kind: 'fixed-delay', attempts: value.attempts, delayMs: value.delayMs };
  if (value.kind === 'exponential' && isCount(value.initialMs) && isCount(value.maxMs) && isCount(value.attempts)) {
    return { kind: 'exponential', initialMs: value.initialMs, maxMs: value.maxMs, attempts: value.attempts };
  }
  return undefined;
}

function metricsOf(value: unknown): JobMetricsSnapshot | undefined {
  if (!isObject(value)) return undefined;
  const counters = ['recordsIn', 'pointsOut', 'lateRecords', 'windowsFired', 'sinkRetries'] as const;
  if (!counters.every((name) => isCount(value[name]))) return undefined;
  if (!isNumberMap(value.invalidByReason) || !isNumberMap(value.watermarksMs) || !isNumberMap(value.consumerLag)) return undefined;
  if (!Array.isArray(value.sinkWriteSeconds) || !value.sinkWriteSeconds.every((n) => typeof n === 'number')) return undefined;
  return value as unknown as JobMetricsSnapshot;
}

/**
 * One record of a state file, checked field by field, since the file may be hand-edited. A
 * record the manager cannot run or show comes back as its problem (a phrase naming the
 * field); unreadable counters only restart from zero.
 */
export function storedJobRecord(value: unknown): StoredRecord {
  if (!isObject(value)) return problem(`is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not a job object`);
  const { id, job, name, args, state, submittedAt, restarts } = value;
  if (typeof id !== 'string' || id === '') return problem('has no "id" (a string)');
  if (typeof job !== 'string' || job === '') return problem('has no "job" (a shipped job\'s name or a module path)');
  let spec: JobSpec | undefined;
  if (value.spec !== undefined) {
    if (args !== undefined) return problem('has both "args" and "spec"; keep the one it was submitted with');
    try {
      spec = parseJobSpec(value.spec);
    } catch (error) {
      if (error instanceof ConfigError) return problem(`has a "spec" it cannot run: ${error.message}`);
      throw error;
    }
  } else if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    return problem('has no "args" (an array of strings, the flags of clickflow run) and no "spec"');
  }
  if (!STATES.includes(state as ManagedJobState)) return problem(`has "state" ${JSON.stringify(state)}; expected one of ${STATES.join(', ')}`);
  const restart = restartOf(value.restart);
  if (restart === undefined) return problem('has no readable "restart" strategy (e.g. {"kind": "none"})');
  if (typeof submittedAt !== 'string') return problem('has no "submittedAt" (an ISO time)');
  const metrics = metricsOf(value.metrics);
  const record: JobRecord = {
    id,
    job,
    name: typeof name === 'string' && name !== '' ? name : job,
    ...(spec === undefined ? { args: args as string[] } : { spec }),
    restart,
    state: state as ManagedJobState,
    submittedAt,
    ...(typeof value.startedAt === 'string' ? { startedAt: value.startedAt } : {}),
    ...(typeof value.endedAt === 'string' ? { endedAt: value.endedAt } : {}),
    restarts: isCount(restarts) ? restarts : 0,
    ...(isObject(value.lastError) && typeof value.lastError.message === 'string'
      ? { lastError: { name: String(value.lastError.name ?? 'Error'), message: value.lastError.message, retriable: value.lastError.retriable === true } }
      : {}),
    metrics: metrics ?? EMPTY_METRICS,
  };
  return metrics === undefined ? { record, repaired: 'has no readable "metrics": its counters start again from zero' } : { record };
}

function problem(text: string): StoredRecord {
  return { problem: text };
}
