import { Command, Option } from 'commander';
import { validateInfluxTarget, type InfluxTarget } from '../../connectors/influx/InfluxTarget.js';
import type { DiffReport } from '../../diff/compareWindowPoints.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { isoTimeArgument } from '../isoTimeArgument.js';
import { timeRangeFlags } from '../timeRangeFlags.js';

/** InfluxDB's times are signed 64-bit nanoseconds since the epoch: about 1677-09-21 to 2262-04-11, in whole ms. */
const INFLUX_MIN_TIME_MS = -9_223_372_036_854;
const INFLUX_MAX_TIME_MS = 9_223_372_036_854;

/** Differing windows and windows in one target only shown in full; the rest are counted. */
const SHOWN = 5;

/**
 * `clickflow diff --bucket <a> --against <b> --from-time … --to-time …`: compares what two
 * InfluxDB buckets hold for a time range, window by window (each point: measurement, tags and
 * time), e.g. a live job's bucket and a backfill's. Exit 0 when they are equal, 1 when not.
 */
export function diffCommand(): Command {
  return new Command('diff')
    .description('compare two InfluxDB buckets window by window over a time range (e.g. the live job and a backfill): exit 0 when equal, 1 when not')
    .addOption(new Option('--bucket <bucket>', 'the first bucket, e.g. the live one').makeOptionMandatory())
    .addOption(new Option('--against <bucket>', 'the second bucket, e.g. the backfill\'s').makeOptionMandatory())
    .addOption(new Option('--from-time <iso>', 'points stamped at or after this time (ISO-8601)').argParser(isoTimeArgument).makeOptionMandatory())
    .addOption(new Option('--to-time <iso>', 'and before this time (ISO-8601)').argParser(isoTimeArgument).makeOptionMandatory())
    .addOption(
      new Option('--measurement <name>', 'only this measurement (repeatable; default: all but job_health, whose watermark lag is the wall clock\'s)').argParser(
        (name: string, previous: string[] | undefined) => [...(previous ?? []), name],
      ),
    )
    .option('--json', 'print the whole comparison as JSON instead of a table')
    .addOption(new Option('--influx-url <url>', 'InfluxDB URL').env('INFLUX_URL'))
    .addOption(new Option('--influx-org <org>', 'InfluxDB organisation').env('INFLUX_ORG'))
    .addOption(new Option('--influx-token <token>', 'InfluxDB API token (never printed)').env('INFLUX_TOKEN'))
    .action(async (flags: Record<string, unknown>) => {
      // Loaded by the command that uses them: the InfluxDB client costs every other command's start ~30 ms.
      const [{ compareWindowPoints }, { readBucketWindows }] = await Promise.all([import('../../diff/compareWindowPoints.js'), import('../../diff/readBucketWindows.js')]);
      const { fromMs, toMs } = timeRangeFlags(flags);
      // Flux refuses a range InfluxDB's nanosecond times cannot hold with a bare "empty range".
      for (const [flag, ms] of [['--from-time', fromMs], ['--to-time', toMs]] as const) {
        if (!(ms >= INFLUX_MIN_TIME_MS && ms <= INFLUX_MAX_TIME_MS)) {
          throw new ConfigError(flag, `${new Date(ms).toISOString()} is outside the times InfluxDB holds, ${new Date(INFLUX_MIN_TIME_MS).toISOString()} to ${new Date(INFLUX_MAX_TIME_MS).toISOString()}`);
        }
      }
      const [a, b] = [flags.bucket as string, flags.against as string];
      if (a === b) throw new ConfigError('--against', `is the same bucket as --bucket ("${a}"); compare two different ones`);
      const target = (bucket: string): InfluxTarget =>
        validateInfluxTarget({ url: flags.influxUrl as string | undefined, org: flags.influxOrg as string | undefined, token: flags.influxToken as string | undefined, bucket });
      const range = { fromMs, toMs, measurements: (flags.measurement as string[] | undefined) ?? [] };
      // A bucket that is not there, a wrong token or org: exit 2 with InfluxDB's reason, never 1 ("they differ").
      const read = (bucket: string) =>
        readBucketWindows(target(bucket), range).catch((error: unknown) => {
          throw new ConfigError('--bucket', `InfluxDB at ${String(flags.influxUrl)} could not be read for bucket "${bucket}": ${(error as Error).message.split('\n')[0]}`);
        });
      const [pointsA, pointsB] = await Promise.all([read(a), read(b)]);
      const report = compareWindowPoints(pointsA, pointsB);
      process.stdout.write(flags.json === true ? `${JSON.stringify(report)}\n` : formatDiff(report, a, b));
      const same = report.differing.length === 0 && report.onlyInA.length === 0 && report.onlyInB.length === 0;
      // Nothing on either side is no evidence of equality: a wrong range or measurement looks like it.
      if (pointsA.size === 0 && pointsB.size === 0) process.stderr.write('clickflow diff: neither bucket has a point in the range (is the range or --measurement right?)\n');
      if (!same || pointsA.size === 0) process.exitCode = 1;
    });
}

/** The comparison as a table: counts, then the first few windows of each kind, values side by side. */
function formatDiff(report: DiffReport, a: string, b: string): string {
  const rows: [string, number][] = [
    ['equal', report.equal],
    ['differing', report.differing.length],
    [`only in ${a}`, report.onlyInA.length],
    [`only in ${b}`, report.onlyInB.length],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  // Each window of each key (or partition) is one point: measurement, tags and time.
  const lines = rows.map(([label, count]) => `windows ${label.padEnd(width)}  ${count}`);
  const more = (total: number) => (total > SHOWN ? [`  … and ${total - SHOWN} more (--json lists every one)`] : []);
  if (report.differing.length > 0) {
    lines.push('', `differing (field: ${a} | ${b}):`);
    for (const { window, fields } of report.differing.slice(0, SHOWN)) {
      lines.push(`  ${window}`, ...fields.map(({ field, a: valueA, b: valueB }) => `    ${field}: ${String(valueA ?? '–')} | ${String(valueB ?? '–')}`));
    }
    lines.push(...more(report.differing.length));
  }
  for (const [bucket, only] of [[a, report.onlyInA], [b, report.onlyInB]] as const) {
    if (only.length === 0) continue;
    lines.push('', `only in ${bucket}:`, ...only.slice(0, SHOWN).map((window) => `  ${window}`), ...more(only.length));
  }
  return `${lines.join('\n')}\n`;
}
