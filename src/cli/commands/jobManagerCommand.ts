import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
import { DEFAULTS } from '../../config/defaults.js';
import { ConfigError } from '../../errors/ConfigError.js';
import type { Job } from '../../jobs/Job.js';
import { isEnded, type JobRecord } from '../../jobmanager/ManagedJob.js';
import type { JobManager } from '../../jobmanager/JobManager.js';
import { checkConnectorFiles, type ConnectorFile } from '../../runtime/checkConnectorFiles.js';
import { refuseManagerFiles, type ManagerFile } from '../../jobmanager/refuseManagerFiles.js';
import { parseRestartStrategy } from '../../jobmanager/RestartStrategy.js';
import { logger } from '../../logging/logger.js';
import type { NamedSpec } from '../../jobmanager/FlagReader.js';
import { checkJobSpec } from '../../runtime/checkJobSpec.js';
import { isModulePath, loadJob } from '../../runtime/loadJob.js';
import { specFiles, specSecretFiles } from '../../runtime/specFiles.js';
import { outputName, SPEC_FIELD_NAMES } from '../../runtime/SpecFieldNames.js';
import { allowedHostArgument } from '../allowedHostArgument.js';
import { jobSpecOf } from '../jobSpecOf.js';
import { parseRunArgs } from '../parseRunArgs.js';
import { portArgument } from '../portArgument.js';
import { readRunFlags } from '../readRunFlags.js';
import { RUN_FLAG_NAMES } from '../runFlagNames.js';
import { shutdownSignal } from '../shutdownSignal.js';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** The options of `clickflow jobmanager`. */
export interface JobManagerOptions {
  readonly port: number;
  readonly host: string;
  readonly token?: string;
  /** Names requests may call the manager by besides IPs, loopback names and `host`; default none. */
  readonly allowedHosts?: readonly string[];
  readonly stateFile: string;
  readonly restart: string;
  readonly signal: AbortSignal;
  /** Told the address once the API listens, and the manager (the demo gives it its collector's events). */
  readonly onListening?: (url: string, manager: JobManager) => void;
  /** Told when a job reaches FINISHED, CANCELED or FAILED. */
  readonly onJobEnded?: (record: JobRecord) => void;
}

/**
 * Runs a job manager until `signal` aborts: then every job stops gracefully (flush, commit)
 * and stays RUNNING in the state file, so the next manager resumes it.
 */
export async function runJobManager(options: JobManagerOptions): Promise<void> {
  // An empty token would let every call through: as good as none.
  if (options.token !== undefined && options.token.trim() === '') {
    throw new ConfigError('--token', 'is empty; give a long random secret (e.g. openssl rand -hex 32), or leave --token and CLICKFLOW_TOKEN unset on loopback');
  }
  if (!isLoopback(options.host) && options.token === undefined) {
    throw new ConfigError('--token', `listening on ${options.host} reaches beyond this machine; give --token (or CLICKFLOW_TOKEN) so every call must carry it`);
  }
  parseRestartStrategy(options.restart);
  // Imported here: prom-client and the manager are not worth loading for every other command.
  const [{ JobManager }, { jobManagerServer }, { JobStateFile }, { ManagerMetrics }, { LiveHub }, { StateFileLock }] = await Promise.all([
    import('../../jobmanager/JobManager.js'),
    import('../../jobmanager/jobManagerServer.js'),
    import('../../jobmanager/JobStateFile.js'),
    import('../../jobmanager/ManagerMetrics.js'),
    import('../../jobmanager/LiveHub.js'),
    import('../../jobmanager/StateFileLock.js'),
  ]);
  // Before the state file is read: a second manager on it would cancel the first one's jobs.
  const lock = StateFileLock.acquire(options.stateFile);
  const stateFile = new JobStateFile(options.stateFile);
  // The manager's own files: a job writing one would destroy the manager's state, or lose its output.
  const ownFiles: ManagerFile[] = [
    { path: stateFile.path, description: "the job manager's state file" },
    { path: stateFile.temporaryPath, description: "the job manager's state file's temporary copy" },
    { path: lock.path, description: "the lock of the job manager's state file" },
    { fd: 2, description: "the job manager's log (its stderr)" },
  ];
  const metrics = new ManagerMetrics();
  const live = new LiveHub(() => manager.list());
  const manager = new JobManager(stateFile, {
    onMetrics: (record, previous, current) => {
      metrics.observe(record, previous, current);
      live.metrics(record, current);
    },
    onPoints: (record, points, dropped) => live.points(record, points, dropped),
    onStateChange: (record) => live.changed(record),
    onRestart: (record) => metrics.restarted(record),
    onEnded: (record) => {
      metrics.ended(record.id);
      const fields = { job: record.id, jobName: record.name, restarts: record.restarts };
      if (record.state === 'FAILED') logger.error({ ...fields, error: record.lastError?.message }, `job FAILED: ${record.lastError?.message ?? 'no error reported'}`);
      else logger.info(fields, `job ${record.state}`);
      options.onJobEnded?.(record);
    },
    onLog: (record, level, message, fields) => logger[level]({ job: record.id, jobName: record.name, ...fields }, message),
    onStateFileWarning: (message) => logger.warn({ stateFile: options.stateFile }, message),
    onStateFileError: (error) => {
      if (error === undefined) logger.info({ stateFile: options.stateFile }, 'the state file is written again');
      else logger.error({ stateFile: options.stateFile }, `${error.message}; the jobs run on, and the manager refuses submissions until the file can be written (it tries every ${DEFAULTS.jobManager.stateFileRetryMs / 1000} s)`);
    },
  }, readRunFlags);
  // A job's files, from its spec once, for the check of every later submission against the
  // jobs still running. Its secret files are never read here: one may be a FIFO (reading would
  // stop the API) or gone since (that must not refuse another job's submission).
  const filesOfJob = new WeakMap<JobRecord, (ConnectorFile & { readonly description: string })[]>();
  const filesOf = (record: JobRecord): (ConnectorFile & { readonly description: string })[] => {
    let files = filesOfJob.get(record);
    if (files === undefined) {
      try {
        const { spec, names } = manager.specOf(record);
        files = specFiles(spec, names).map((file) => ({ ...file, description: `${file.description} of job ${record.id}` }));
      } catch {
        // Flags run would refuse (a hand-edited state file): that job's worker fails on them anyway.
        files = [];
      }
      filesOfJob.set(record, files);
    }
    return files;
  };
  const server = jobManagerServer({
    manager,
    metrics,
    live,
    token: options.token,
    // A --host given by name is a name the manager is called by.
    allowedHosts: [...(options.allowedHosts ?? DEFAULTS.jobManager.allowedHosts), ...(isIP(options.host) === 0 ? [options.host] : [])].map((name) => name.toLowerCase()),
    defaultRestart: options.restart,
    // Flags are read as `clickflow run` reads them; then every check run makes, with its messages.
    check: async (submission) => {
      let named: NamedSpec;
      if ('spec' in submission) {
        named = { spec: submission.spec, names: SPEC_FIELD_NAMES };
      } else {
        const run = parseRunArgs([submission.job, ...submission.args]);
        if (run.metricsPort !== undefined) {
          // Accepted and ignored, it would leave a scraper waiting on a port that nobody serves.
          throw new ConfigError('--metrics-port', 'a job manager serves its jobs\' metrics at its own /metrics, labelled job_id and job_name: leave --metrics-port out');
        }
        named = { spec: jobSpecOf(run), names: RUN_FLAG_NAMES };
      }
      return checkSubmission(named, manager.list().filter((record) => !isEnded(record.state)).flatMap(filesOf), ownFiles);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      lock.release();
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError('--port', `${options.host}:${options.port} is in use; is another job manager running? pick another --port`)
          : error,
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${typeof address === 'object' && address !== null ? address.port : options.port}`;
  lock.listening(url);
  // Only once the port is ours: a second manager that cannot listen must not start the jobs again.
  let resumed: JobRecord[];
  try {
    resumed = manager.resume();
  } catch (error) {
    server.close();
    lock.release();
    throw error;
  }
  if (resumed.length > 0) logger.info({ jobs: resumed.map((r) => r.id) }, 'resumed the jobs that were running');
  logger.info({ url, stateFile: options.stateFile, jobs: manager.list().filter((r) => !isEnded(r.state)).length }, 'job manager listening');
  options.onListening?.(url, manager);
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  logger.info('stopping: every job flushes and commits');
  server.close();
  server.closeAllConnections();
  await manager.shutdown();
  // Only now: the state file's last write is done.
  lock.release();
}

/**
 * Every check `clickflow run` makes before it starts ({@link checkJobSpec}), with its messages,
 * and a job manager's own: no terminal, absolute paths, none of the manager's files, a module
 * checked but never loaded (its code must not run in the manager), and no file of a job still
 * running. A bad submission is then a 400, never a job that fails at once.
 * @param running the files of the jobs still running
 * @returns the job's name (a module's path until its worker loads it)
 */
async function checkSubmission({ spec, names }: NamedSpec, running: readonly (ConnectorFile & { readonly description: string })[], ownFiles: readonly ManagerFile[]): Promise<{ name: string }> {
  // Its secret files checked first: the job reads them whole, and a FIFO would block the manager.
  for (const { option, path } of specSecretFiles(spec, names)) await checkSecretFile(option, path);
  const toStdout = Object.entries(spec.outputs ?? {}).find(([, output]) => output.kind === 'stdout')?.[0];
  const terminal = spec.source.kind === 'stdin' ? names.source : spec.sink.kind === 'stdout' ? names.sink : toStdout === undefined ? undefined : outputName(names, toStdout);
  if (terminal !== undefined) {
    throw new ConfigError(terminal, "a job manager's jobs have no terminal: read kafka, file:PATH or generator, write influx, file:PATH or none");
  }
  const files = specFiles(spec, names);
  const relative = files.find((file) => !isAbsolute(file.path));
  if (relative !== undefined) {
    throw new ConfigError(relative.description, `${relative.path} is relative, and the manager runs in a directory of its own: give an absolute path (clickflow submit makes paths absolute itself)`);
  }
  await refuseManagerFiles(files, ownFiles);
  let found: Job | undefined;
  const job = spec.job;
  if (isModulePath(job)) {
    // A module is loaded by its own worker only, so that its code never runs in the manager.
    if (!isAbsolute(job)) throw new ConfigError('job', `${job} is relative; give the module's absolute path (clickflow submit makes it absolute itself)`);
    if (!existsSync(job)) throw new ConfigError('job', `module ${job} does not exist on the job manager's machine`);
    if (!/\.(c|m)?js$/.test(job)) throw new ConfigError('job', `${job} is not a built .js module; build it first and give the .js file`);
  } else {
    found = await loadJob(job);
  }
  await checkJobSpec(spec, found, names);
  // Against every job still running here too: a second job on one output would truncate the first one's.
  checkConnectorFiles([...running, ...files]);
  return { name: found?.name ?? job };
}

/**
 * A secret file a submission names must be a regular file: the job's worker reads it at each
 * start and restart, and the manager reads it to check the job; a FIFO would block both.
 */
async function checkSecretFile(option: string, path: string): Promise<void> {
  const stats = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(option, `cannot read ${path} (${error.code ?? error.message}); give a readable file`);
  });
  if (!stats.isFile()) {
    const kind = stats.isFIFO() ? 'a FIFO' : stats.isDirectory() ? 'a directory' : 'not a regular file';
    throw new ConfigError(option, `${path} is ${kind}; a job manager reads it again at each restart of the job: give a regular file (mode 0600)`);
  }
}

/** `clickflow jobmanager`: a long-running process that runs submitted jobs, with a REST API. */
export function jobManagerCommand(): Command {
  return new Command('jobmanager')
    .description('run a job manager: submit, list, inspect and cancel jobs over a REST API; Prometheus metrics at /metrics')
    .addOption(new Option('--port <port>', 'TCP port of the API (0: any free one)').argParser(portArgument).default(DEFAULTS.jobManager.port))
    .addOption(new Option('--host <host>', 'address to listen on; beyond loopback a --token is required').default(DEFAULTS.jobManager.host))
    .addOption(new Option('--token <token>', 'bearer token every call but /health and /metrics must carry (never printed)').env('CLICKFLOW_TOKEN'))
    .addOption(
      new Option('--allowed-host <name>', 'a name clients call the manager by (its Host header), besides IPs and localhost; repeatable')
        .env('CLICKFLOW_ALLOWED_HOSTS')
        .argParser(allowedHostArgument)
        .default(DEFAULTS.jobManager.allowedHosts, 'none'),
    )
    .addOption(new Option('--state-file <path>', 'where jobs are kept, to resume them after a restart').default(DEFAULTS.jobManager.stateFile))
    .addOption(new Option('--restart <strategy>', 'default restart strategy of a job: none, fixed-delay:<n>:<delay>, exponential:<initial>:<max>:<n>').default(DEFAULTS.jobManager.restart))
    .action(async (flags: Record<string, unknown>) => {
      // bin/clickflow.js catches SIGINT/SIGTERM from the start; a second one exits at once.
      await runJobManager({
        port: flags.port as number,
        host: flags.host as string,
        token: flags.token as string | undefined,
        allowedHosts: flags.allowedHost as string[],
        stateFile: flags.stateFile as string,
        restart: flags.restart as string,
        signal: shutdownSignal,
        onListening: (url) => process.stdout.write(`job manager at ${url}\n`),
      });
    });
}
