import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { waitFor } from '../../../src/testing/waitFor.js';
import { killJobManagers, spawnJobManager, startJobManager, type JobManagerProcess, type SpawnedJobManager } from '../../jobManagerProcess.js';

/** Bounds for a loaded 2-core machine; no test relies on them being reached. */
const BOUND_MS = 60_000;
/** A job that runs until cancelled and needs no Kafka, no InfluxDB and no file. */
const ENDLESS = ['--from', 'generator:20', '--to', 'none'];

const dir = mkdtempSync(join(tmpdir(), 'clickflow-jm-files-'));
after(() => {
  killJobManagers();
  rmSync(dir, { recursive: true, force: true });
});

type Manager = JobManagerProcess;

/** No service or token settings from the environment: these managers need none. */
const WITHOUT_SERVICES = Object.fromEntries(
  ['KAFKA_BROKERS', 'INFLUX_URL', 'INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_TOKEN', 'CLICKFLOW_TOKEN', 'KAFKA_SASL_PASSWORD_FILE'].map((name) => [name, undefined]),
);

/** `clickflow jobmanager --port 0`, returning at once; its stderr into `logFile` when given. */
function spawnManager(stateFile: string, logFile?: string): SpawnedJobManager {
  return spawnJobManager({ stateFile, env: WITHOUT_SERVICES, ...(logFile === undefined ? {} : { stderrFile: logFile }) });
}

function startManager(stateFile: string, logFile?: string): Promise<Manager> {
  return startJobManager({ stateFile, env: WITHOUT_SERVICES, ...(logFile === undefined ? {} : { stderrFile: logFile }) }, BOUND_MS);
}

/** Everything it printed. */
const outputOf = (manager: SpawnedJobManager) => manager.stdout() + manager.stderr();

/** Its exit code, or SIGKILL and null when it has not exited within `BOUND_MS`. */
async function exitCodeOf(manager: SpawnedJobManager): Promise<number | null> {
  const timer = setTimeout(() => manager.child.kill('SIGKILL'), BOUND_MS);
  try {
    return await manager.exited;
  } finally {
    clearTimeout(timer);
  }
}

const stop = (manager: SpawnedJobManager) => manager.stop(BOUND_MS);

async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  // Bounded: a manager blocked on a file must fail the test, not hang it.
  const response = await fetch(`${url}${path}`, {
    method,
    signal: AbortSignal.timeout(20_000),
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const submit = (manager: Manager, args: string[]) => api(manager.url, 'POST', '/jobs', { job: 'error-rates', args, restart: 'none' });

async function waitForState(manager: Manager, id: string, state: string): Promise<void> {
  await waitFor(async () => (await api(manager.url, 'GET', `/jobs/${id}`)).body.state === state, { timeoutMs: BOUND_MS, what: `job ${id} to be ${state}` });
}

describe('clickflow jobmanager and its files', { timeout: 4 * BOUND_MS }, () => {
  test('one manager per state file: a second is refused naming the first one\'s pid and URL, and leaves its job running; a killed one\'s lock is taken over', async () => {
    const stateFile = join(dir, 'lock', 'jobmanager.json');
    const first = await startManager(stateFile);
    const job = await submit(first, ENDLESS);
    assert.equal(job.status, 201, JSON.stringify(job.body));
    await waitForState(first, job.body.id, 'RUNNING');

    const second = spawnManager(stateFile);
    assert.equal(await exitCodeOf(second), 2);
    assert.match(outputOf(second), new RegExp(`error: --state-file: ${stateFile} is in use by the job manager with pid ${first.child.pid} at ${first.url}`));
    assert.doesNotMatch(outputOf(second), /job manager at/);
    assert.equal((await api(first.url, 'GET', `/jobs/${job.body.id}`)).body.state, 'RUNNING', 'the first manager\'s job was not touched');

    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(existsSync(`${stateFile}.lock`), 'a killed manager leaves its lock');
    const third = await startManager(stateFile);
    assert.equal((await api(third.url, 'GET', '/jobs')).body.jobs.length, 1, 'the next manager took over the stale lock and the state');
    assert.equal(await stop(third), 0);
    assert.ok(!existsSync(`${stateFile}.lock`), 'a manager that stops removes its lock');
  });

  test('a state file that cannot be written: the submission is refused with 503 and leaves no job, /health and the log say why, and the manager runs on', async () => {
    const stateFile = join(dir, 'unwritable', 'jobmanager.json');
    const manager = await startManager(stateFile);
    // A directory where the state file should be: every write fails, for root too.
    mkdirSync(stateFile);
    const refused = await submit(manager, ENDLESS);
    assert.equal(refused.status, 503);
    assert.match(refused.body.error, new RegExp(`cannot write the job manager's state file ${stateFile} \\(EISDIR`));
    assert.deepEqual((await api(manager.url, 'GET', '/jobs')).body.jobs, [], 'no job is left CREATED');
    const health = await api(manager.url, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'degraded');
    assert.match(health.body.stateFile, /cannot write the job manager's state file/);
    assert.match(outputOf(manager), /"level":50.*cannot write the job manager's state file.*the jobs run on/);

    rmdirSync(stateFile);
    const accepted = await submit(manager, ENDLESS);
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    assert.equal((await api(manager.url, 'GET', '/health')).body.status, 'ok');
    assert.equal(await stop(manager), 0);
  });

  test('another job\'s password file is never read: a FIFO is refused at once while /health answers, and a deleted one refuses no later submission', async () => {
    const manager = await startManager(join(dir, 'secrets', 'jobmanager.json'));
    const sasl = (file: string) => [...ENDLESS, '--kafka-sasl', 'plain', '--kafka-username', 'u', '--kafka-password-file', file];
    const fifo = join(dir, 'password.fifo');
    execFileSync('mkfifo', [fifo]);
    const [refused, health] = await Promise.all([submit(manager, sasl(fifo)), api(manager.url, 'GET', '/health')]);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, `--kafka-password-file: ${fifo} is a FIFO; a job manager reads it again at each restart of the job: give a regular file (mode 0600)`);
    assert.equal(health.status, 200);

    const password = join(dir, 'password.txt');
    writeFileSync(password, 'secret\n', { mode: 0o600 });
    const first = await submit(manager, sasl(password));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    await waitForState(manager, first.body.id, 'RUNNING');
    rmSync(password);
    const second = await submit(manager, ENDLESS);
    assert.equal(second.status, 201, JSON.stringify(second.body));
    assert.equal(await stop(manager), 0);
  });

  test('the manager\'s own files are refused as any job\'s output or input: state file, its lock, its log', async () => {
    const stateFile = join(dir, 'own', 'jobmanager.json');
    const log = join(dir, 'manager.log');
    const manager = await startManager(stateFile, log);
    const out = join(dir, 'own', 'out.lp');
    const cases: [string[], RegExp][] = [
      [['--from', 'generator:20', '--to', `file:${stateFile}`], /^--to: \S+jobmanager\.json is the job manager's state file; a job may not write the manager's own files/],
      [['--from', 'generator:20', '--to', `file:${out}`, '--dead-letter', `file:${stateFile}.lock`], /^--dead-letter: \S+\.lock is the lock of the job manager's state file/],
      [['--from', 'generator:20', '--to', `file:${out}`, '--late-output', `file:${log}`], /^--late-output: \S+manager\.log is the job manager's log \(its stderr\)/],
      [['--from', `file:${dir}/own/../own/jobmanager.json`, '--to', `file:${out}`], /^--from: \S+ is the job manager's state file \(\S+\/own\/jobmanager\.json\); a job may not read/],
    ];
    for (const [args, expected] of cases) {
      const reply = await submit(manager, args);
      assert.equal(reply.status, 400, `${args.join(' ')}: ${JSON.stringify(reply.body)}`);
      assert.match(reply.body.error, expected);
    }
    assert.deepEqual((await api(manager.url, 'GET', '/jobs')).body.jobs, []);
    assert.equal(await stop(manager), 0);
  });

  test('a corrupted state file: bad records are skipped with a warning naming them, a file holding null is refused without a stack trace', async () => {
    const stateFile = join(dir, 'corrupt', 'jobmanager.json');
    mkdirSync(join(dir, 'corrupt'));
    const ended = { id: 'kept', job: 'error-rates', name: 'error-rates', args: ENDLESS, restart: { kind: 'none' }, state: 'FINISHED', submittedAt: '2025-01-01T00:00:00Z', restarts: 0 };
    writeFileSync(stateFile, JSON.stringify({ jobs: [null, ended] }));
    const manager = await startManager(stateFile);
    const jobs = await api(manager.url, 'GET', '/jobs');
    assert.equal(jobs.status, 200);
    assert.deepEqual(jobs.body.jobs.map((j: { id: string }) => j.id), ['kept']);
    assert.match(outputOf(manager), /"level":40.*jobs\[0\] is null, not a job object: skipped/);
    assert.match(outputOf(manager), /jobs\[1\] \(job kept\) has no readable \\"metrics\\"/);
    assert.equal(await stop(manager), 0);

    writeFileSync(stateFile, 'null');
    const refused = spawnManager(stateFile);
    assert.equal(await exitCodeOf(refused), 1);
    assert.match(outputOf(refused), new RegExp(`error: the job manager's state file ${stateFile} holds null, not an object`));
    assert.doesNotMatch(outputOf(refused), /\n\s+at /, 'no stack trace');
  });
});
