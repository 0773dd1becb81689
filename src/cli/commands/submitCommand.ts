import { Command, Option } from 'commander';
import { isAbsolute, resolve } from 'node:path';
import { isModulePath } from '../../runtime/loadJob.js';
import { clientOf, jobManagerClientOptions } from './jobManagerClientOptions.js';


/** The run options whose value may be `file:PATH`. */
const FILE_OPTIONS = new Set(['--from', '--to', '--dead-letter', '--late-output']);
/** The run options whose value is a path. */
const PATH_OPTIONS = new Set(['--kafka-password-file', '--kafka-ca', '--kafka-cert', '--kafka-key']);

/**
 * The run options with every relative `file:PATH` and path option made absolute: the manager's workers run in
 * the manager's directory, and the user meant the path from here, as `clickflow run` reads it.
 */
export function absoluteFilePaths(args: readonly string[]): string[] {
  const absolute = (option: string, value: string) => {
    if (PATH_OPTIONS.has(option)) return value === '' ? value : resolve(value);
    if (!value.startsWith('file:')) return value;
    const path = value.slice('file:'.length);
    // file:- stays as given, for the manager to refuse as run does.
    return path === '' || path === '-' || isAbsolute(path) ? value : `file:${resolve(path)}`;
  };
  const takesPath = (option: string) => FILE_OPTIONS.has(option) || PATH_OPTIONS.has(option);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0 && takesPath(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=${absolute(arg.slice(0, eq), arg.slice(eq + 1))}`);
    } else if (takesPath(arg) && i + 1 < args.length) {
      out.push(arg, absolute(arg, args[++i]!));
    } else {
      out.push(arg);
    }
  }
  return out;
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
