import { Command } from 'commander';
import { cancelCommand } from './commands/cancelCommand.js';
import { collectCommand } from './commands/collectCommand.js';
import { demoCommand } from './commands/demoCommand.js';
import { describeCommand } from './commands/describeCommand.js';
import { jobManagerCommand } from './commands/jobManagerCommand.js';
import { listCommand } from './commands/listCommand.js';
import { produceCommand } from './commands/produceCommand.js';
import { backfillCommand } from './commands/backfillCommand.js';
import { diffCommand } from './commands/diffCommand.js';
import { runCommand } from './commands/runCommand.js';
import { statusCommand } from './commands/statusCommand.js';
import { submitCommand } from './commands/submitCommand.js';

/** The `clickflow` command line: one sub-command per file in `commands/`. */
export function buildProgram(): Command {
  const program = new Command('clickflow')
    .description('event-time stream processing of a clickstream: per-URL counts, HTTP error rates and user sessions')
    .version('0.1.0');
  program.addCommand(demoCommand());
  program.addCommand(runCommand());
  program.addCommand(backfillCommand());
  program.addCommand(diffCommand());
  program.addCommand(describeCommand());
  program.addCommand(produceCommand());
  program.addCommand(collectCommand());
  program.addCommand(jobManagerCommand());
  program.addCommand(submitCommand());
  program.addCommand(listCommand());
  program.addCommand(statusCommand());
  program.addCommand(cancelCommand());
  for (const command of [program, ...program.commands]) {
    command.exitOverride().showHelpAfterError('(run with --help for usage)');
  }
  return program;
}
