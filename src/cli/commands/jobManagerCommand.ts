import { Command, Option } from 'commander';
import { isIP } from 'node:net';
import { DEFAULTS } from '../../config/defaults.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { parseRestartStrategy } from '../../jobmanager/RestartStrategy.js';
import { logger } from '../../logging/logger.js';
import { existsSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import { isEnded } from '../../jobmanager/ManagedJob.js';
import { checkConnectorFiles } from '../../runtime/checkConnectorFiles.js';
import { checkFileEndpoints } from '../checkFileEndpoints.js';
import { fileEndpointsOf } from '../fileEndpointsOf.js';
import { isModulePath, loadJob } from '../loadJob.js';
import { integerArgument } from '../numberArgument.js';
import { parseRunArgs } from '../parseRunArgs.js';
import { shutdownSignal } from '../shutdownSignal.js';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** The options of `clickflow jobmanager`. */
export interface JobManagerOptions {
  readonly port: number;
  readonly host: string;
  readonly token?: string;
  readonly stateFile: string;
  readonly restart: string;
  readonly signal: AbortSignal;
  /** Told the address once the API listens. */
  readonly onListening?: (url: string) => void;
}

/**
 * Runs a job manager until `signal` aborts: then every job stops gracefully (flush, commit)
 * and stays RUNNING in the state file, so the next manager resumes it.
 */
export async function runJobManager(options: JobManagerOptions): Promise<void> {
  if (!isLoopback(options.host) && options.token === undefined) {
    throw new ConfigError('--token', `listening on ${options.host} reaches beyond this machine; give --token (or CLICKFLOW_TOKEN) so every call must carry it`);
  }
  parseRestartStrategy(options.restart);
  // Imported here: prom-client and the manager are not worth loading for every other command.
  const [{ JobManager }, { jobManagerServer }, { JobStateFile }, { ManagerMetrics }] = await Promise.all([
    import('../../jobmanager/JobManager.js'),
    import('../../jobmanager/jobManagerServer.js'),
    import('../../jobmanager/JobStateFile.js'),
    import('../../jobmanager/ManagerMetrics.js'),
  ]);
  const metrics = new ManagerMetrics();
  const manager = new JobManager(new JobStateFile(options.stateFile), {
    onMetrics: (record, previous, current) => metrics.observe(record, previous, current),
    onRestart: (record) => metrics.restarted(record),
    onLog: (record, level, message, fields) => logger[level]({ job: record.id, name: record.name, ...fields }, message),
  });
  const server = jobManagerServer({
    manager,
    metrics,
    token: options.token,
    defaultRestart: options.restart,
    check: async (job, args) => {
      const run = parseRunArgs([job, ...args]);
      if (run.from.kind === 'stdin' || run.to.kind === 'stdout') {
        throw new ConfigError(run.from.kind === 'stdin' ? '--from' : '--to', 'a job manager\'s jobs have no terminal: read kafka or file:PATH, write influx or file:PATH');
      }
      const files = fileEndpointsOf(run);
      const relative = files.find((file) => !isAbsolute(file.path));
      if (relative !== undefined) {
        throw new ConfigError(relative.description, `${relative.path} is relative, and the manager runs in a directory of its own: give an absolute path (clickflow submit makes paths absolute itself)`);
      }
      // The files as run checks them, then against every job still running here: a second
      // job on one output would truncate the first one's.
      await checkFileEndpoints(run);
      const others = manager.list().filter((record) => !isEnded(record.state));
      checkConnectorFiles([
        ...others.flatMap((record) => fileEndpointsOf(parseRunArgs([record.job, ...record.args])).map((file) => ({ ...file, description: `${file.description} of job ${record.id}` }))),
        ...files,
      ]);
      if (isModulePath(job)) {
        // A module is loaded by its own worker, so that its code never runs in the manager.
        if (!isAbsolute(job)) throw new ConfigError('job', `${job} is relative; give the module's absolute path (clickflow submit makes it absolute itself)`);
        if (!existsSync(job)) throw new ConfigError('job', `module ${job} does not exist on the manager's machine`);
        if (!/\.(c|m)?js$/.test(job)) throw new ConfigError('job', `${job} is not a built .js module`);
        return { name: basename(job) };
      }
      const found = await loadJob(job);
      found.settings({ windowMs: run.windowMs, slideMs: run.slideMs, maxOutOfOrdernessMs: run.maxOutOfOrdernessMs, allowedLatenessMs: run.allowedLatenessMs });
      return { name: found.name };
    },
  });
  const resumed = manager.resume();
  if (resumed.length > 0) logger.info({ jobs: resumed.map((r) => r.id) }, 'resumed the jobs that were running');
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError('--port', `${options.host}:${options.port} is in use; is another job manager running? pick another --port`)
          : error,
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${typeof address === 'object' && address !== null ? address.port : options.port}`;
  logger.info({ url, stateFile: options.stateFile }, 'job manager listening');
  options.onListening?.(url);
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  logger.info('stopping: every job flushes and commits');
  server.close();
  server.closeAllConnections();
  await manager.shutdown();
}

/** `clickflow jobmanager`: a long-running process that runs submitted jobs, with a REST API. */
export function jobManagerCommand(): Command {
  return new Command('jobmanager')
    .description('run a job manager: submit, list, inspect and cancel jobs over a REST API; Prometheus metrics at /metrics')
    .addOption(new Option('--port <port>', 'TCP port of the API (0: any free one)').argParser(integerArgument(0)).default(DEFAULTS.jobManager.port))
    .addOption(new Option('--host <host>', 'address to listen on; beyond loopback a --token is required').default(DEFAULTS.jobManager.host))
    .addOption(new Option('--token <token>', 'bearer token every call but /health and /metrics must carry (never printed)').env('CLICKFLOW_TOKEN'))
    .addOption(new Option('--state-file <path>', 'where jobs are kept, to resume them after a restart').default(DEFAULTS.jobManager.stateFile))
    .addOption(new Option('--restart <strategy>', 'default restart strategy of a job: none, fixed-delay:<n>:<delay>, exponential:<initial>:<max>:<n>').default(DEFAULTS.jobManager.restart))
    .action(async (flags: Record<string, unknown>) => {
      // bin/clickflow.js catches SIGINT/SIGTERM from the start; a second one exits at once.
      await runJobManager({
          port: flags.port as number,
          host: flags.host as string,
          token: flags.token as string | undefined,
          stateFile: flags.stateFile as string,
          restart: flags.restart as string,
        signal: shutdownSignal,
        onListening: (url) => process.stdout.write(`job manager at ${url}\n`),
      });
    });
}
