import { Command } from 'commander';
import { clientOf, jobManagerClientOptions } from './jobManagerClientOptions.js';

/** `clickflow status <id>`: one job, as JSON (state, counters, watermarks, lag, last error). */
export function statusCommand(): Command {
  const command = new Command('status').description('show one job of a job manager, as JSON').argument('<id>', 'the job id submit printed');
  for (const option of jobManagerClientOptions()) command.addOption(option);
  return command.action(async (id: string, flags: Record<string, unknown>) => {
    process.stdout.write(`${JSON.stringify(await clientOf(flags).status(id), null, 2)}\n`);
  });
}
