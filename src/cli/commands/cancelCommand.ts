import { Command } from 'commander';
import { clientOf, jobManagerClientOptions } from './jobManagerClientOptions.js';

/** `clickflow cancel <id>`: stops a job after it flushed and committed; prints its final state. */
export function cancelCommand(): Command {
  const command = new Command('cancel').description('cancel a job: it flushes, commits and ends CANCELED').argument('<id>', 'the job id submit printed');
  for (const option of jobManagerClientOptions()) command.addOption(option);
  return command.action(async (id: string, flags: Record<string, unknown>) => {
    const job = await clientOf(flags).cancel(id);
    process.stdout.write(`${String(job.id)} ${String(job.state)}\n`);
  });
}
