import { Command } from 'commander';
import { clientOf, jobManagerClientOptions } from './jobManagerClientOptions.js';

/** `clickflow list`: the job manager's jobs as a table. */
export function listCommand(): Command {
  const command = new Command('list').description("list a job manager's jobs").option('--json', 'print JSON instead of a table');
  for (const option of jobManagerClientOptions()) command.addOption(option);
  return command.action(async (flags: Record<string, unknown>) => {
    const jobs = await clientOf(flags).list();
    if (flags.json === true) {
      process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
      return;
    }
    const header = ['ID', 'NAME', 'STATE', 'RESTARTS', 'RECORDS IN', 'POINTS OUT', 'SUBMITTED'];
    const rows = jobs.map((j) => [j.id, j.name, j.state, j.restarts, j.recordsIn, j.pointsOut, j.submittedAt].map(String));
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  });
}
