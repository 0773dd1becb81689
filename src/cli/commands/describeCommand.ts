import { Command, Option } from 'commander';
import { ConfigError } from '../../errors/ConfigError.js';
import type { JobParameters } from '../../jobs/Job.js';
import { durationArgument } from '../durationArgument.js';
import { loadJob } from '../../runtime/loadJob.js';

/** What `clickflow describe` prints for a job under the given parameters. */
export async function runDescribe(jobSpec: string, parameters: JobParameters): Promise<string> {
  const job = await loadJob(jobSpec);
  job.settings(parameters);
  if (job.describe === undefined) throw new ConfigError('job', `job "${job.name}" was not built with job(…) and cannot describe itself`);
  return job.describe(parameters);
}

/**
 * `clickflow describe <job>`: prints the job's dataflow graph, as Kafka Streams'
 * `Topology#describe` does: its steps, where records move between partitions, its outputs.
 */
export function describeCommand(): Command {
  return new Command('describe')
    .description("print a job's dataflow graph: its steps, where records move between partitions, its outputs")
    .argument('<job>', 'a shipped job (error-rates, sessions, actions) or the path of a job module (./my-job.js)')
    .addOption(new Option('--window <duration>', 'as run would take it').argParser(durationArgument))
    .addOption(new Option('--slide <duration>', 'as run would take it').argParser(durationArgument))
    .addOption(new Option('--gap <duration>', 'as run would take it').argParser(durationArgument))
    .addOption(new Option('--allowed-lateness <duration>', 'as run would take it').argParser(durationArgument))
    .addOption(new Option('--max-out-of-orderness <duration>', 'as run would take it').argParser(durationArgument))
    .addOption(new Option('--early-every <duration>', 'as run would take it').argParser(durationArgument))
    .action(async (jobSpec: string, flags: Record<string, number | undefined>) => {
      const text = await runDescribe(jobSpec, {
        windowMs: flags.window,
        slideMs: flags.slide,
        gapMs: flags.gap,
        allowedLatenessMs: flags.allowedLateness,
        maxOutOfOrdernessMs: flags.maxOutOfOrderness,
        earlyEveryMs: flags.earlyEvery,
      });
      process.stdout.write(`${text}\n`);
    });
}
