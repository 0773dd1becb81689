import { Option, type Command } from 'commander';
import { ConfigError } from '../../errors/ConfigError.js';
import { isoTimeArgument } from '../isoTimeArgument.js';
import { shutdownSignal } from '../shutdownSignal.js';
import { runCommandDefinition, runOptionsOf, runRun } from './runCommand.js';

/**
 * `clickflow backfill <job> --from-time … --to-time …`: the job over a past range of the topic,
 * as a bounded run in its own consumer group, into a shadow target (never the live bucket), so
 * that `clickflow diff` can compare it with what the live job wrote.
 */
export function backfillCommand(): Command {
  const command = runCommandDefinition()
    .name('backfill')
    .description('run a job over a past range of a Kafka topic (by record time) into a shadow target, e.g. another InfluxDB bucket, to compare it with clickflow diff')
    .addOption(new Option('--from-time <iso>', 'read each partition from its first record at or after this time (ISO-8601)').argParser(isoTimeArgument).makeOptionMandatory())
    .addOption(new Option('--to-time <iso>', 'up to its first record at or after this time (ISO-8601)').argParser(isoTimeArgument).makeOptionMandatory());
  // A backfill reads Kafka, bounded: --from is kafka unless given, and --bounded is implied.
  command.options.find((option) => option.long === '--from')!.mandatory = false;
  return command.action(async (jobSpec: string, flags: Record<string, unknown>) => {
    const options = runOptionsOf(jobSpec, { ...flags, from: flags.from ?? { kind: 'kafka' } });
    if (options.from.kind !== 'kafka') throw new ConfigError('--from', 'a backfill reads a time range of a Kafka topic; leave --from out');
    const fromMs = flags.fromTime as number;
    const toMs = flags.toTime as number;
    if (!(toMs > fromMs)) throw new ConfigError('--to-time', `must be after --from-time (${new Date(fromMs).toISOString()})`);
    if (options.to.kind === 'influx') {
      const live = process.env.INFLUX_BUCKET;
      if (command.getOptionValueSource('influxBucket') !== 'cli' || options.influxBucket === live) {
        throw new ConfigError(
          '--influx-bucket',
          `a backfill writes to a shadow bucket, never the live one${live === undefined ? '' : ` ("${live}", from INFLUX_BUCKET)`}: give --influx-bucket <another bucket>, then compare the two with clickflow diff`,
        );
      }
    }
    // Each backfill its own group unless --group says: a rerun (changed flags, a wiped shadow
    // bucket) must read its range again, not find an earlier run's group finished.
    const range = `${new Date(fromMs).toISOString()}-${new Date(toMs).toISOString()}`.replaceAll(':', '');
    await runRun({
      ...options,
      group: options.group ?? `clickflow-backfill-${jobSpec.replace(/[^A-Za-z0-9._-]/g, '_')}-${range}-${Date.now().toString(36)}`,
      bounded: true,
      timeRange: { fromMs, toMs },
      signal: shutdownSignal,
    });
  });
}
