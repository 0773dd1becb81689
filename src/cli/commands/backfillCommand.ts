import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { DEFAULTS } from '../../config/defaults.js';
import { bucketNameOf } from '../../connectors/influx/bucketNameOf.js';
import { validateInfluxTarget } from '../../connectors/influx/InfluxTarget.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { isoTimeArgument } from '../isoTimeArgument.js';
import { timeRangeFlags } from '../timeRangeFlags.js';
import { shutdownSignal } from '../shutdownSignal.js';
import { kafkaSecurityOf } from '../kafkaSecurityOptions.js';
import { runCommandDefinition, runOptionsOf, runRun, type RunOptions } from './runCommand.js';

/** Groups a backfill names itself: deleted, with their internal topics, once the backfill ends. */
const OWN_GROUP_PREFIX = 'clickflow-backfill-';

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
  const option = (long: string) => command.options.find((candidate) => candidate.long === long)!;
  option('--from').mandatory = false;
  option('--from').description = 'leave out: a backfill reads the Kafka topic (--topic)';
  option('--bounded').description = 'implied: a backfill always ends at --to-time';
  option('--group').description = 'Kafka consumer group (default: a new clickflow-backfill-<job>-<range>-<run> for each backfill, deleted with its internal topics once the backfill ends, also when resumed); give one to resume a stopped backfill, never the live job\'s';
  return command.action(async (jobSpec: string, flags: Record<string, unknown>) => {
    const options = runOptionsOf(jobSpec, { ...flags, from: flags.from ?? { kind: 'kafka' } });
    if (options.from.kind !== 'kafka') throw new ConfigError('--from', 'a backfill reads a time range of a Kafka topic; leave --from out');
    const { fromMs, toMs } = timeRangeFlags(flags);
    // Kafka reads the times -1 and -2 as "latest" and "earliest", and refuses other negative ones.
    if (fromMs < 0) throw new ConfigError('--from-time', `${new Date(fromMs).toISOString()} is before 1970, which Kafka's record times cannot hold`);
    if (options.group !== undefined && options.group === `clickflow-${jobSpec}`) {
      throw new ConfigError('--group', `"${options.group}" is the live job's group: the backfill would take its commits, and the live job would skip what the backfill read. Leave --group out`);
    }
    if (options.to.kind === 'influx') {
      // The live bucket: the environment's, else the compose file's.
      const live = process.env.INFLUX_BUCKET ?? DEFAULTS.influxBucket;
      const refuse = (given: string) =>
        new ConfigError(
          '--influx-bucket',
          `a backfill writes to a shadow bucket, never the live one ("${live}"${process.env.INFLUX_BUCKET === undefined ? '' : ', from INFLUX_BUCKET'}${given}): give --influx-bucket <another bucket>, then compare the two with clickflow diff`,
        );
      if (command.getOptionValueSource('influxBucket') !== 'cli' || options.influxBucket === live) throw refuse('');
      // The write API also takes a bucket's ID, on either side: the live bucket by its ID is still the live bucket.
      const target = validateInfluxTarget({ url: options.influxUrl, org: options.influxOrg, bucket: options.influxBucket, token: options.influxToken });
      const [shadowName, liveName] = await Promise.all([
        bucketNameOf(target, '--influx-bucket', shutdownSignal),
        bucketNameOf({ ...target, bucket: live }, process.env.INFLUX_BUCKET === undefined ? '--influx-bucket' : 'INFLUX_BUCKET', shutdownSignal),
      ]);
      if (shutdownSignal.aborted) {
        process.exitCode = 130;
        return;
      }
      if (shadowName === liveName) throw refuse(`; "${target.bucket}" names the same bucket`);
    }
    // Each backfill its own group unless --group says: a rerun (changed flags, a wiped shadow
    // bucket) must read its range again, not find an earlier run's group finished.
    const range = `${new Date(fromMs).toISOString()}-${new Date(toMs).toISOString()}`.replaceAll(':', '');
    // Random as well as timed: two backfills started in the same millisecond must not share one.
    const group = options.group ?? `${OWN_GROUP_PREFIX}${jobSpec.replace(/[^A-Za-z0-9._-]/g, '_')}-${range}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    let metrics: Awaited<ReturnType<typeof runRun>>;
    try {
      metrics = await runRun({ ...options, group, bounded: true, timeRange: { fromMs, toMs }, signal: shutdownSignal });
    } catch (error) {
      // Refused before it read anything (a bad flag, a group that is not this backfill's): nothing to resume.
      if (error instanceof ConfigError) throw error;
      // Its commits stay: a rerun with this group resumes where it failed.
      process.stderr.write(`clickflow backfill: failed; its consumer group ${group} keeps what it committed: run it again with --group ${group} to resume, or delete the group (kafka-consumer-groups.sh --delete) and its ${group}-move-*-repartition topics\n`);
      throw error;
    }
    // Stopped midway, the shadow holds part of the range: a script must not diff it as if whole.
    if (shutdownSignal.aborted) {
      process.stderr.write(`clickflow backfill: stopped before the end of the range; run it again with --group ${group} to resume\n`);
      process.exitCode = 130;
      return;
    }
    if (metrics.recordsIn === 0) {
      process.stderr.write(`clickflow backfill: no records of ${options.topic ?? DEFAULTS.topic} in the range (Kafka record times are when each record was sent)\n`);
    }
    // A group of its own (also when resumed with --group), finished: nothing reads it or its internal topics again.
    if (group.startsWith(OWN_GROUP_PREFIX)) await removeGroup(options, flags, group);
  });
}

/** Deletes a finished backfill's own group and internal topics; a failure only leaves them behind, and says so. */
async function removeGroup(options: RunOptions, flags: Record<string, unknown>, group: string): Promise<void> {
  const brokers = options.brokers ?? DEFAULTS.brokers;
  const [{ kafkaClient }, { deleteConsumerGroup }] = await Promise.all([import('../../connectors/kafka/kafkaClient.js'), import('../../connectors/kafka/deleteConsumerGroup.js')]);
  try {
    const security = kafkaSecurityOf(flags);
    await deleteConsumerGroup(kafkaClient({ brokers, clientId: group, ...(security === undefined ? {} : { security }) }), brokers, group);
  } catch (error) {
    process.stderr.write(`clickflow backfill: could not delete its consumer group ${group} and its internal topics (${(error as Error).message}); delete them with kafka-consumer-groups.sh --delete and kafka-topics.sh --delete\n`);
  }
}
