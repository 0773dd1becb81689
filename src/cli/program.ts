import { Command } from 'commander';
import { produceCommand } from './commands/produceCommand.js';
import { runCommand } from './commands/runCommand.js';

/** The `clickflow` command line: one sub-command per file in `commands/`. */
export function buildProgram(): Command {
  const program = new Command('clickflow')
    .description('event-time stream processing of a clickstream: per-URL counts and HTTP error rates')
    .version('0.1.0');
  program.addCommand(runCommand());
  program.addCommand(produceCommand());
  for (const command of [program, ...program.commands]) {
    command.exitOverride().showHelpAfterError('(run with --help for usage)');
  }
  return program;
}
