import { Command } from 'commander';
import { jobTable } from '../jobTable.js';
import { clientOf, jobManagerClientOptions } from './jobManagerClientOptions.js';

/** `clickflow list`: the job manager's jobs as a table. */
export function listCommand(): Command {
  const command = new Command('list').description("list a job manager's jobs").option('--json', 'print JSON instead of a table');
  for (const option of jobManagerClientOptions()) command.addOption(option);
  return command.action(async (flags: Record<string, unknown>) => {
    const jobs = await clientOf(flags).list();
    process.stdout.write(flags.json === true ? `${JSON.stringify(jobs, null, 2)}\n` : jobTable(jobs));
  });
}
