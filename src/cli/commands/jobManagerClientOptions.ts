import { InvalidArgumentError, Option } from 'commander';
import { DEFAULTS } from '../../config/defaults.js';
import { JobManagerClient } from '../../jobmanager/JobManagerClient.js';
import { formatDuration } from '../../time/parseDuration.js';
import { shutdownSignal } from '../shutdownSignal.js';
import { timerDurationArgument } from '../timerDurationArgument.js';

/** Commander parser of `--timeout`: a duration a timer can wait, and not zero, which would give up at once. */
function clientTimeoutArgument(text: string): number {
  const ms = timerDurationArgument(text);
  if (ms === 0) throw new InvalidArgumentError(`"${text}" would give up before any answer; give e.g. 10s or 1m.`);
  return ms;
}

/** `--jobmanager`, `--token` and `--timeout`, shared by the commands that talk to a job manager. */
export function jobManagerClientOptions(): Option[] {
  return [
    new Option('--jobmanager <url>', 'the job manager').env('CLICKFLOW_JOBMANAGER').default(DEFAULTS.jobManager.url),
    new Option('--token <token>', "the job manager's bearer token (never printed)").env('CLICKFLOW_TOKEN'),
    new Option('--timeout <duration>', `how long to wait for the job manager's answer (cancel: ${formatDuration(DEFAULTS.jobManager.cancelTimeoutMs)} longer, while the job flushes)`)
      .argParser(clientTimeoutArgument)
      .default(DEFAULTS.jobManager.clientTimeoutMs, formatDuration(DEFAULTS.jobManager.clientTimeoutMs)),
  ];
}

/** The client those options describe; SIGINT and SIGTERM end its waiting call. */
export function clientOf(flags: Record<string, unknown>): JobManagerClient {
  return new JobManagerClient(flags.jobmanager as string, flags.token as string | undefined, { timeoutMs: flags.timeout as number, signal: shutdownSignal });
}
