import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { isModulePath } from '../loadJob.js';
import { clientOf, jobManagerClientOptions } from './jobManagerClientOptions.js';

const FILE_OPTIONS = ['--from', '--to', '--dead-letter', '--late-output'];

/** `file:` paths made absolute: the manager runs in its own directory, not the caller's. */
function absoluteFilePaths(args: readonly string[]): string[] {
  const absolute = (value: string) => (value.startsWith('file:') && value.length > 'file:'.length ? `file:${resolve(value.slice('file:'.length))}` : value);
  return args.map((arg, i) => {
    const inline = FILE_OPTIONS.find((option) => arg.startsWith(`${option}=`));
    if (inline !== undefined) return `${inline}=${absolute(arg.slice(inline.length + 1))}`;
    return i > 0 && FILE_OPTIONS.includes(args[i - 1]!) ? absolute(arg) : arg;
  });
}

/**
 * `clickflow submit <job> [run options]`: hands a job to a job manager and prints its id.
 * Every option after the job is a `clickflow run` option, checked by the manager as run
 * checks it; Kafka and InfluxDB settings not given come from the manager's environment.
 */
export function submitCommand(): Command {
  const command = new Command('submit')
    .description('submit a job to a job manager; prints its id (run options as for clickflow run)')
    .argument('<job>', 'a shipped job (error-rates) or the path of a job module')
    .argument('[run-options...]', 'clickflow run options: --from kafka --to influx --window 1m …')
    .addOption(new Option('--restart <strategy>', 'none, fixed-delay:<attempts>:<delay> or exponential:<initial>:<max>:<attempts> (default: the manager\'s)'))
    .allowUnknownOption()
    .helpOption('-h, --help', 'show this help (run options: clickflow run --help)');
  for (const option of jobManagerClientOptions()) command.addOption(option);
  return command.action(async (job: string, runArgs: string[], flags: Record<string, unknown>) => {
    const created = await clientOf(flags).submit(isModulePath(job) ? resolve(job) : job, absoluteFilePaths(runArgs), flags.restart as string | undefined);
    process.stdout.write(`${String(created.id)}\n`);
  });
}
