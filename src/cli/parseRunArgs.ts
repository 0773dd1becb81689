import { CommanderError } from 'commander';
import { ConfigError } from '../errors/ConfigError.js';
import { runCommandDefinition, runOptionsOf, type RunOptions } from './commands/runCommand.js';

/**
 * Parses `clickflow run` arguments (`<job> --from kafka …`) exactly as the command line does,
 * so that a job manager refuses a submission with the message `run` would print.
 * @throws ConfigError with commander's message for a bad or missing option
 */
export function parseRunArgs(args: readonly string[]): RunOptions {
  const { jobSpec, flags } = parseRunFlags(args);
  return runOptionsOf(jobSpec, flags);
}

/**
 * The flags as commander parses them (environment defaults included), before anything reads
 * the files they name: a job manager looks at other jobs' flags without reading their secrets.
 * @throws ConfigError with commander's message for a bad or missing option
 */
export function parseRunFlags(args: readonly string[]): { jobSpec: string; flags: Record<string, unknown> } {
  let parsed: { jobSpec: string; flags: Record<string, unknown> } | undefined;
  let message = '';
  const command = runCommandDefinition()
    .exitOverride()
    .configureOutput({ writeErr: (text) => (message += text), writeOut: () => {} })
    .action((jobSpec: string, flags: Record<string, unknown>) => {
      parsed = { jobSpec, flags };
    });
  try {
    command.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') {
      // Help goes to a terminal; a submission has none, and commander's own text here is "(outputHelp)".
      throw new ConfigError('run options', '--help shows nothing to a job manager; run clickflow run --help to read the options');
    }
    if (error instanceof CommanderError) throw new ConfigError('run options', (message || error.message).replace(/^error: /, '').trim());
    throw error;
  }
  if (parsed === undefined) throw new ConfigError('run options', 'no job given; the first argument is a shipped job or a module path');
  return parsed;
}
