import { Option } from 'commander';
import { DEFAULTS } from '../../config/defaults.js';
import { JobManagerClient } from '../../jobmanager/JobManagerClient.js';

/** `--jobmanager` and `--token`, shared by the commands that talk to a job manager. */
export function jobManagerClientOptions(): Option[] {
  return [
    new Option('--jobmanager <url>', 'the job manager').env('CLICKFLOW_JOBMANAGER').default(DEFAULTS.jobManager.url),
    new Option('--token <token>', "the job manager's bearer token (never printed)").env('CLICKFLOW_TOKEN'),
  ];
}

/** The client those options describe. */
export function clientOf(flags: Record<string, unknown>): JobManagerClient {
  return new JobManagerClient(flags.jobmanager as string, flags.token as string | undefined);
}
