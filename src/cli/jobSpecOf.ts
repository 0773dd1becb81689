import { ConfigError } from '../errors/ConfigError.js';
import type { DeadLetterSpec, JobSpec, RecordOutputSpec, SinkSpec, SourceSpec } from '../runtime/JobSpec.js';
import type { RunOptions } from './commands/runCommand.js';
import type { Endpoint } from './Endpoint.js';
import { definedFields } from '../runtime/definedFields.js';

/**
 * The {@link JobSpec} of a `clickflow run` command line (or of a job manager's submission of
 * its flags). Refuses here what only flags can say wrongly: `--bounded` without Kafka, and an
 * `--output` name given twice.
 * @throws ConfigError naming the flag
 */
export function jobSpecOf(options: RunOptions): JobSpec {
  if (options.bounded === true && options.from.kind !== 'kafka') {
    throw new ConfigError('--bounded', 'only applies to --from kafka (a file is always bounded)');
  }
  const outputs: Record<string, RecordOutputSpec> = {};
  for (const { name, endpoint } of options.outputs ?? []) {
    if (Object.hasOwn(outputs, name)) throw new ConfigError('--output', `"${name}" is given twice; give each record output once`);
    outputs[name] = endpoint as RecordOutputSpec;
  }
  const parameters = Object.fromEntries(
    Object.entries({
      windowMs: options.windowMs,
      slideMs: options.slideMs,
      gapMs: options.gapMs,
      maxOutOfOrdernessMs: options.maxOutOfOrdernessMs,
      allowedLatenessMs: options.allowedLatenessMs,
      earlyEveryMs: options.earlyEveryMs,
    }).filter(([, value]) => value !== undefined),
  );
  return definedFields({
    job: options.job,
    source: sourceOf(options),
    sink: sinkOf(options),
    deadLetter: options.deadLetter as DeadLetterSpec | undefined,
    lateOutput: options.lateOutput?.kind === 'file' ? options.lateOutput : undefined,
    outputs: Object.keys(outputs).length === 0 ? undefined : outputs,
    kafka: options.brokers === undefined && options.kafkaSecurity === undefined ? undefined : definedFields({ brokers: options.brokers, security: options.kafkaSecurity }),
    parameters: Object.keys(parameters).length === 0 ? undefined : parameters,
    commitIntervalMs: options.commitIntervalMs,
  });
}

function sourceOf(options: RunOptions): SourceSpec {
  const from: Endpoint = options.from;
  if (from.kind === 'kafka') {
    return definedFields({ kind: 'kafka', topic: options.topic, group: options.group, bounded: options.bounded === true ? true : undefined, idleTimeoutMs: options.idleTimeoutMs, timeRange: options.timeRange });
  }
  return from as SourceSpec;
}

function sinkOf(options: RunOptions): SinkSpec {
  if (options.to.kind !== 'influx') return options.to as SinkSpec;
  return definedFields({ kind: 'influx', url: options.influxUrl, org: options.influxOrg, bucket: options.influxBucket, token: options.influxToken });
}

