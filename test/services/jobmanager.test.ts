import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { killJobManagers, startJobManager, type JobManagerProcess } from '../jobManagerProcess.js';
import { consumeAll, type ConsumedRecord } from './consumeAll.js';
import { comparable, readErrorRates } from './readErrorRates.js';
import { eventTimeMs, pointsOf, referenceWindows } from './referenceWindows.js';
import { runCli, startCli, type CliResult } from './runCli.js';

const CLI = fileURLToPath(new URL('../../../bin/clickflow.js', import.meta.url));
const PROMETHEUS = new URL('../../../scripts/services/prometheus.mjs', import.meta.url).href;

/** Bounds for a loaded 2-core machine; no test relies on them being reached. */
const START_BOUND_MS = 60_000;
const JOB_BOUND_MS = 90_000;
const STOP_BOUND_MS = 45_000;

const COUNT = 4_000;
const WINDOW = { windowMs: 500, maxOutOfOrdernessMs: 200 };
const WINDOW_ARGS = ['--window', '500ms', '--max-out-of-orderness', '200ms'];


// ---------------------------------------------------------------------------------------------
// A job manager as a user starts it: `clickflow jobmanager --port 0`, its URL read from stdout.

type Manager = JobManagerProcess & { readonly stateFile: string };

async function startManager(stateFile: string, env: Record<string, string>, extra: string[] = []): Promise<Manager> {
  return { ...(await startJobManager({ stateFile, args: extra, env }, START_BOUND_MS)), stateFile };
}

/** SIGTERM, and the exit code once it has stopped (bounded). */
const stopManager = (manager: Manager) => manager.stop(STOP_BOUND_MS);

interface Reply {
  readonly status: number;
  readonly body: Record<string, any>;
  readonly text: string;
}

async function api(url: string, method: string, path: string, body?: unknown, token?: string): Promise<Reply> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      // As the CLI sends them: the manager takes a change only as JSON, with or without a body.
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, any> = {};
  try {
    parsed = JSON.parse(text) as Record<string, any>;
  } catch {
    // /metrics is text
  }
  return { status: response.status, body: parsed, text };
}

async function submit(manager: Manager, args: string[], restart?: string): Promise<string> {
  const reply = await api(manager.url, 'POST', '/jobs', { job: 'error-rates', args, ...(restart === undefined ? {} : { restart }) });
  assert.equal(reply.status, 201, reply.text);
  return reply.body.id as string;
}

/** Polls GET /jobs/:id until `until` holds; every state seen is recorded in `seen`. */
async function waitForJob(
  manager: Manager,
  id: string,
  until: (job: Record<string, any>) => boolean,
  what: string,
  seen?: Set<string>,
): Promise<Record<string, any>> {
  let last: Record<string, any> | undefined;
  try {
    return await waitFor(
      async () => {
        const reply = await api(manager.url, 'GET', `/jobs/${id}`);
        last = reply.body;
        seen?.add(`${last.state}:${last.restarts}`);
        return until(last) ? last : undefined;
      },
      { timeoutMs: JOB_BOUND_MS, stepMs: 250, what: `job ${id} ${what}` },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\nlast status: ${JSON.stringify(last)}\nmanager stderr:\n${manager.stderr().slice(-4_000)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Seeded events and what the error-rates job must make of them.

function produce(topic: string, seed: number, count: number, startTime = '2025-01-01T00:00:00Z'): Promise<CliResult> {
  return runCli([
    'produce', '--brokers', serviceEnv().brokers, '--topic', topic, '--partitions', '3', '--seed', String(seed), '--count', String(count),
    '--start-time', startTime, '--urls', '40', '--late', '0.02:2s', '--out-of-order', '150ms', '--invalid', '0.02', '--error-rate', '0.1',
  ]);
}

/** Runs `bin/clickflow.js`, killed after `boundMs`: for a command that must refuse to start, and might not. */
async function runCliBounded(args: string[], boundMs = 30_000): Promise<CliResult> {
  const { child, done } = startCli(args);
  const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** The child processes of `pid` (Linux), so that a test can tell whether they outlive it. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `bin/clickflow.js` to the end in another working directory. */
function runCliIn(cwd: string, args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function produceAndRead(topic: string, seed: number, count: number, total = count, startTime?: string): Promise<ConsumedRecord[]> {
  const produced = await produce(topic, seed, count, startTime);
  assert.equal(produced.code, 0, produced.stderr);
  return consumeAll(serviceEnv().brokers, topic, total);
}

/** The windows a running (unbounded) job has fired for these records, its point count, records and watermarks. */
function expectationOf(records: readonly ConsumedRecord[]) {
  const reference = referenceWindows(records, { ...WINDOW, bounded: false });
  let points = 0;
  for (const w of reference.windows.values()) points += pointsOf(w);
  const maxByPartition = new Map<number, number>();
  for (const r of records) {
    const ms = eventTimeMs(r.value);
    if (ms !== undefined) maxByPartition.set(r.partition, Math.max(maxByPartition.get(r.partition) ?? -Infinity, ms));
  }
  // Flink's BoundedOutOfOrdernessWatermarks: highest time − out-of-orderness − 1.
  const watermarks = Object.fromEntries([...maxByPartition].map(([p, ms]) => [String(p), new Date(ms - WINDOW.maxOutOfOrdernessMs - 1).toISOString()]));
  return { windows: comparable(reference.windows), points, late: reference.late, invalid: records.length - reference.valid, watermarks };
}

async function waitForWindows(bucket: InfluxTestBucket, expected: unknown, what: string): Promise<void> {
  const want = JSON.stringify(expected);
  await waitFor(async () => JSON.stringify(comparable(await readErrorRates(bucket))) === want, { timeoutMs: JOB_BOUND_MS, stepMs: 500, what });
}

function jobArgs(topic: string, group: string, bucket: InfluxTestBucket, extra: string[] = []): string[] {
  return ['--from', 'kafka', '--topic', topic, '--to', 'influx', '--group', group, '--influx-bucket', bucket.target.bucket, ...WINDOW_ARGS, ...extra];
}

/** A TCP port nothing listens on now. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Forwards `port` to `target` (`host:port`); Kafka then tells its clients its real address. */
function startProxy(port: number, target: string): Promise<{ close(): Promise<void> }> {
  const [host, targetPort] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(targetPort), host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket)).on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject).listen(port, '127.0.0.1', () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

async function committedOffsets(group: string, topic: string): Promise<{ partition: number; offset: number; metadata: string | null }[]> {
  const admin = new Kafka({ clientId: 'test-offsets', brokers: [serviceEnv().brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [fetched] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return (fetched?.partitions ?? []).map((p) => ({ partition: p.partition, offset: Number(p.offset), metadata: p.metadata }));
  } finally {
    await admin.disconnect();
  }
}

async function describeGroup(group: string): Promise<{ state: string; members: number }> {
  const admin = new Kafka({ clientId: 'test-groups', brokers: [serviceEnv().brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const described = (await admin.describeGroups([group])).groups[0];
    return { state: described?.state ?? 'unknown', members: described?.members.length ?? 0 };
  } finally {
    await admin.disconnect();
  }
}

function stateFileJobs(path: string): Record<string, { state: string; restarts: number }> {
  const { jobs } = JSON.parse(readFileSync(path, 'utf8')) as { jobs: { id: string; state: string; restarts: number }[] };
  return Object.fromEntries(jobs.map((j) => [j.id, j]));
}

// ---------------------------------------------------------------------------------------------

describe('clickflow jobmanager with real Kafka, InfluxDB and Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clickflow-jm-'));
  const buckets: InfluxTestBucket[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  let topicA: string;
  let topicB: string;
  let expectedA: ReturnType<typeof expectationOf>;
  let expectedB: ReturnType<typeof expectationOf>;
  let manager: Manager;
  let managerEnv: Record<string, string>;

  const bucket = async (prefix: string) => {
    const created = await InfluxTestBucket.create(prefix);
    buckets.push(created);
    return created;
  };

  before(async () => {
    // The tests say when a token is given; one in the caller's environment would blur that.
    delete process.env.CLICKFLOW_TOKEN;
    topicA = uniqueName('jm-a');
    topicB = uniqueName('jm-b');
    const [a, b] = await Promise.all([produceAndRead(topicA, 31, COUNT), produceAndRead(topicB, 32, COUNT)]);
    expectedA = expectationOf(a);
    expectedB = expectationOf(b);
    assert.ok(expectedA.late > 10 && expectedA.invalid > 10, `the data should have late and invalid records: ${expectedA.late}, ${expectedA.invalid}`);
    const { brokers, influxUrl, influxOrg, influxToken } = serviceEnv();
    const defaultBucket = await bucket('jm-default');
    // The InfluxDB settings come from the manager's environment; each job names its bucket.
    managerEnv = { KAFKA_BROKERS: brokers, INFLUX_URL: influxUrl, INFLUX_ORG: influxOrg, INFLUX_TOKEN: influxToken, INFLUX_BUCKET: defaultBucket.target.bucket };
    manager = await startManager(join(dir, 'state.json'), managerEnv);
  });

  after(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    if (manager !== undefined) await stopManager(manager);
    killJobManagers();
    for (const b of buckets) await b.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('REST and CLI: submit, list, status and cancel two jobs; each writes exactly the reference windows; bad input is refused as run refuses it', async () => {
    const [bucketA, bucketB] = [await bucket('jm-a'), await bucket('jm-b')];
    const cli = (args: string[], env: Record<string, string> = {}) => runCli([...args, '--jobmanager', manager.url], env);

    // One through the CLI, one through the REST API.
    const submitted = await cli(['submit', 'error-rates', ...jobArgs(topicA, uniqueName('jm-a'), bucketA)]);
    assert.equal(submitted.code, 0, submitted.stderr);
    const idA = submitted.stdout.trim();
    assert.match(idA, /^[0-9a-f-]{36}$/);
    const groupB = uniqueName('jm-b');
    const idB = await submit(manager, jobArgs(topicB, groupB, bucketB), 'none');

    await waitForJob(manager, idA, (j) => j.state === 'RUNNING', 'RUNNING');
    await waitForJob(manager, idB, (j) => j.state === 'RUNNING', 'RUNNING');
    const listed = await cli(['list']);
    assert.equal(listed.code, 0, listed.stderr);
    for (const id of [idA, idB]) assert.match(listed.stdout, new RegExp(`^${id}\\s+error-rates\\s+RUNNING\\s+0\\s`, 'm'), listed.stdout);
    const listedJson = await cli(['list', '--json']);
    const states = Object.fromEntries((JSON.parse(listedJson.stdout) as { id: string; state: string }[]).map((j) => [j.id, j.state]));
    assert.equal(states[idA], 'RUNNING');
    assert.equal(states[idB], 'RUNNING');

    // Counters: every record read, the job's own counts of late and invalid records, every point.
    for (const [id, expected] of [[idA, expectedA], [idB, expectedB]] as const) {
      const status = await waitForJob(manager, id, (j) => j.recordsIn >= COUNT && j.pointsOut >= expected.points, `to read ${COUNT} records and emit ${expected.points} points`);
      assert.equal(status.state, 'RUNNING');
      assert.equal(status.recordsIn, COUNT, 'records in');
      assert.equal(status.pointsOut, expected.points, 'points out');
      assert.equal(status.lateRecords, expected.late, 'late records');
      assert.equal(status.invalidRecords, expected.invalid, 'invalid records');
      assert.deepEqual(status.watermarks, expected.watermarks, 'one watermark per partition, from its own records');
    }

    // B is cancelled as soon as it has emitted its points: the cancel flushes them and commits.
    const cancelled = await cli(['cancel', idB]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(cancelled.stdout.trim(), `${idB} CANCELED`);
    assert.deepEqual(comparable(await readErrorRates(bucketB)), expectedB.windows, 'a cancelled job has flushed every fired window');
    const statusB = await cli(['status', idB]);
    assert.equal(statusB.code, 0, statusB.stderr);
    const jobB = JSON.parse(statusB.stdout) as Record<string, any>;
    assert.equal(jobB.state, 'CANCELED');
    assert.notEqual(jobB.endedAt, null);
    assert.equal(jobB.lastError, null);
    const offsets = await committedOffsets(groupB, topicB);
    assert.deepEqual(offsets.map((o) => o.partition).sort(), [0, 1, 2]);
    for (const o of offsets) {
      assert.ok(o.offset > 0, `partition ${o.partition} committed at ${o.offset}`);
      assert.match(o.metadata ?? '', /^\{"m":\d+,"r":\d+,"t":\d+\}$/, 'the commit carries the checkpoint and the time of its snapshot');
    }

    // A keeps running and its InfluxDB bucket holds exactly the reference windows.
    await waitForWindows(bucketA, expectedA.windows, 'job A to write the reference windows');
    assert.equal((await api(manager.url, 'GET', `/jobs/${idA}`)).body.state, 'RUNNING');

    // Bad submissions: 400 with the message `clickflow run` prints for the same flags.
    const runSays = async (args: string[]) => {
      const run = await runCli(['run', ...args], managerEnv);
      assert.equal(run.code, 2, run.stderr);
      return run.stderr.split('\n')[0]!.replace(/^error: /, '');
    };
    const missing = join(dir, 'missing.jsonl');
    const asRun: [string, string[]][] = [
      ['nojob', ['--from', 'kafka', '--to', 'influx']],
      ['error-rates', ['--from', 'kafka', '--to', 'influx', '--bogus']],
      ['error-rates', ['--from', 'kafka', '--to', 'influx', '--window', '5x']],
      ['error-rates', ['--from', `file:${missing}`, '--to', 'influx']],
    ];
    const runMessages = await Promise.all(asRun.map(([job, args]) => runSays([job, ...args])));
    const refusals: [string, string[], string | RegExp][] = [
      ...asRun.map(([job, args], i): [string, string[], string] => [job, args, runMessages[i]!]),
      ['error-rates', ['--from', 'kafka', '--to', 'stdout'], /^--to: a job manager's jobs have no terminal/],
    ];
    for (const [job, args, message] of refusals) {
      const reply = await api(manager.url, 'POST', '/jobs', { job, args });
      assert.equal(reply.status, 400, `${job} ${args.join(' ')}: ${reply.text}`);
      if (typeof message === 'string') assert.ok(String(reply.body.error).includes(message), `${reply.body.error}\n  should say what run says: ${message}`);
      else assert.match(String(reply.body.error), message);
    }
    for (const method of ['GET', 'DELETE']) {
      const reply = await api(manager.url, method, '/jobs/no-such-job');
      assert.equal(reply.status, 404, `${method}: ${reply.text}`);
      assert.match(String(reply.body.error), /no job no-such-job/);
    }
    assert.equal((await api(manager.url, 'GET', '/jobs')).body.jobs.length, 2, 'no refused submission became a job');

    // The CLI: 2 for a bad option or a refused submission, 1 for an unknown job or no manager.
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const [badOption, refused, unknown, noManager] = await Promise.all([
      cli(['list', '--bogus']),
      cli(['submit', 'error-rates', '--from', 'kafka', '--to', 'stdout']),
      cli(['cancel', 'no-such-job']),
      runCli(['status', idA, '--jobmanager', unreachable]),
    ]);
    assert.equal(badOption.code, 2, badOption.stderr);
    assert.match(badOption.stderr, /unknown option '--bogus'/);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^error: the job manager refused it: --to: a job manager's jobs have no terminal/);
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(unknown.stderr, /^error: no job no-such-job; GET \/jobs lists them/);
    assert.equal(noManager.code, 1, noManager.stderr);
    assert.match(noManager.stderr, new RegExp(`^error: cannot reach the job manager at ${unreachable} \\(ECONNREFUSED\\); start one with \`clickflow jobmanager\``));

    const cancelA = await api(manager.url, 'DELETE', `/jobs/${idA}`);
    assert.equal(cancelA.status, 200);
    assert.equal(cancelA.body.state, 'CANCELED');
    assert.deepEqual(comparable(await readErrorRates(bucketA)), expectedA.windows);
  });

  test('a wrong InfluxDB token fails the job at once with the error, and the token is shown nowhere', async () => {
    const secret = `wrong-token-${uniqueName('s')}`;
    const target = await bucket('jm-token');
    const id = await submit(manager, [...jobArgs(topicA, uniqueName('jm-token'), target), `--influx-token=${secret}`], 'fixed-delay:3:1s');
    const job = await waitForJob(manager, id, (j) => j.state === 'FAILED', 'FAILED');
    assert.equal(job.restarts, 0, 'a refused token is not retried');
    assert.equal(job.lastError.name, 'InfluxWriteError');
    assert.equal(job.lastError.retriable, false);
    assert.match(job.lastError.message, /HTTP 401 .*check --influx-token/);
    assert.ok(job.args.includes('--influx-token=***'), `args shown: ${job.args}`);
    const shown = [
      (await api(manager.url, 'GET', '/jobs')).text,
      (await api(manager.url, 'GET', `/jobs/${id}`)).text,
      (await api(manager.url, 'GET', '/metrics')).text,
      manager.stderr(),
      manager.stdout(),
    ];
    for (const text of shown) assert.ok(!text.includes(secret), `the token is shown:\n${text.slice(0, 2_000)}`);
    assert.match(manager.stderr(), new RegExp(`"job":"${id}".*job FAILED: cannot write to bucket`), 'the manager logs the failure');
  });

  test('retriable failures follow --restart: a job that keeps failing ends FAILED after its restarts, one that recovers runs on', async () => {
    const { brokers } = serviceEnv();
    // Never reachable: every attempt fails with "cannot reach Kafka", a retriable error.
    const deadPort = await closedPort();
    const failing = await submit(manager, ['--from', 'kafka', '--brokers', `127.0.0.1:${deadPort}`, '--topic', topicA, '--to', 'file:' + join(dir, 'never.lp'), ...WINDOW_ARGS], 'fixed-delay:2:1s');
    // Reachable only once the first attempt has failed: a proxy to the broker opens there then.
    const laterPort = await closedPort();
    const target = await bucket('jm-recover');
    const recovering = await submit(manager, [...jobArgs(topicA, uniqueName('jm-recover'), target), '--brokers', `127.0.0.1:${laterPort}`], 'fixed-delay:5:1s');

    const seenFailing = new Set<string>();
    const failed = waitForJob(manager, failing, (j) => j.state === 'FAILED', 'to fail after two restarts', seenFailing);
    const recovered = (async () => {
      const restarting = await waitForJob(manager, recovering, (j) => j.state === 'RESTARTING', 'RESTARTING after its first failure');
      assert.equal(restarting.restarts, 1);
      assert.match(restarting.lastError.message, new RegExp(`cannot reach Kafka at 127\\.0\\.0\\.1:${laterPort}`));
      const proxy = await startProxy(laterPort, brokers);
      cleanups.push(() => proxy.close());
      await waitForWindows(target, expectedA.windows, 'the recovered job to write the reference windows');
      const job = await waitForJob(manager, recovering, (j) => j.state === 'RUNNING' && j.recordsIn >= COUNT, 'RUNNING again');
      assert.ok(job.restarts >= 1, `restarts: ${job.restarts}`);
      assert.equal(job.recordsIn, COUNT);
      const cancel = await api(manager.url, 'DELETE', `/jobs/${recovering}`);
      assert.equal(cancel.body.state, 'CANCELED');
    })();
    const [job] = await Promise.all([failed, recovered]);

    assert.ok(seenFailing.has('RESTARTING:1') && seenFailing.has('RESTARTING:2'), `states seen: ${[...seenFailing]}`);
    assert.equal(job.restarts, 2, 'fixed-delay:2 allows two restarts');
    assert.equal(job.lastError.retriable, true);
    assert.match(job.lastError.message, new RegExp(`^cannot reach Kafka at 127\\.0\\.0\\.1:${deadPort} \\(`));
    assert.notEqual(job.endedAt, null);
    const metrics = (await api(manager.url, 'GET', '/metrics')).text;
    assert.match(metrics, new RegExp(`^clickflow_job_restarts_total\\{job_id="${failing}",job_name="error-rates"\\} 2$`, 'm'));
  });

  test('a real Prometheus scrapes /metrics and sees records in rise while a job runs', async () => {
    const { startPrometheus } = (await import(PROMETHEUS)) as {
      startPrometheus: (options: { target: string }) => Promise<{ url: string; stop(): Promise<void> }>;
    };
    const prometheus = await startPrometheus({ target: new URL(manager.url).host });
    cleanups.push(() => prometheus.stop());
    const topic = uniqueName('jm-prom');
    assert.equal((await produce(topic, 41, 1_500)).code, 0);
    // Submitted from another directory than the manager's: a relative file: path is the submitter's.
    const submitted = await runCliIn(dir, ['submit', 'error-rates', '--from', 'kafka', '--topic', topic, '--to', 'file:prom.lp', ...WINDOW_ARGS, '--jobmanager', manager.url]);
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.trim();
    const scraped = async () => {
      const query = encodeURIComponent(`clickflow_records_in_total{job_id="${id}"}`);
      const reply = (await (await fetch(`${prometheus.url}/api/v1/query?query=${query}`)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      return reply.data.result;
    };
    const first = await waitFor(async () => {
      const result = await scraped();
      return result[0]?.value[1] === '1500' ? result : undefined;
    }, { timeoutMs: JOB_BOUND_MS, stepMs: 500, what: 'Prometheus to see 1500 records in' });
    assert.equal(first.length, 1);
    assert.deepEqual({ job_id: first[0]!.metric.job_id, job_name: first[0]!.metric.job_name, job: first[0]!.metric.job }, { job_id: id, job_name: 'error-rates', job: 'clickflow' });
    assert.equal((await produce(topic, 42, 1_500, '2025-01-01T00:00:02Z')).code, 0);
    await waitFor(async () => (await scraped())[0]?.value[1] === '3000', { timeoutMs: JOB_BOUND_MS, stepMs: 500, what: 'Prometheus to see 3000 records in' });
    const job = (await api(manager.url, 'GET', `/jobs/${id}`)).body;
    assert.equal(job.state, 'RUNNING');
    assert.ok(job.args.includes(`file:${join(dir, 'prom.lp')}`), `args: ${job.args}`);
    assert.equal((await api(manager.url, 'DELETE', `/jobs/${id}`)).body.state, 'CANCELED');
    assert.match(readFileSync(join(dir, 'prom.lp'), 'utf8'), /^error_rates,partition=\d total=\d+i/m, 'the points went to the file the submitter named');
  });

  test('SIGTERM stops the manager after its jobs flushed and committed; a new manager resumes them with nothing lost or doubled; a killed manager takes its workers with it', async () => {
    const [topicC, topicD] = [uniqueName('jm-c'), uniqueName('jm-d')];
    const [groupC, groupD] = [uniqueName('jm-c'), uniqueName('jm-d')];
    const [bucketC, bucketD] = [await bucket('jm-c'), await bucket('jm-d')];
    const half = COUNT / 2;
    const [firstC, firstD] = await Promise.all([produceAndRead(topicC, 51, half), produceAndRead(topicD, 52, half)]);
    const stateFile = join(dir, 'resume', 'state.json');
    const first = await startManager(stateFile, managerEnv);
    const idC = await submit(first, jobArgs(topicC, groupC, bucketC));
    const idD = await submit(first, jobArgs(topicD, groupD, bucketD));
    for (const id of [idC, idD]) await waitForJob(first, id, (j) => j.state === 'RUNNING' && j.recordsIn >= half, `to read ${half} records`);

    const signalled = Date.now();
    assert.equal(await stopManager(first), 0, first.stderr());
    assert.ok(Date.now() - signalled < STOP_BOUND_MS, 'the manager stopped in time');
    assert.match(first.stderr(), /stopping: every job flushes and commits/);
    const persisted = stateFileJobs(stateFile);
    assert.equal(persisted[idC]?.state, 'RUNNING', 'a job stopped by the manager stays RUNNING, to be resumed');
    assert.equal(persisted[idD]?.state, 'RUNNING');
    // Flushed: every window fired so far is in InfluxDB. Committed: every partition has a checkpoint.
    assert.deepEqual(comparable(await readErrorRates(bucketC)), expectationOf(firstC).windows);
    assert.deepEqual(comparable(await readErrorRates(bucketD)), expectationOf(firstD).windows);
    for (const [group, topic] of [[groupC, topicC], [groupD, topicD]] as const) {
      const offsets = await committedOffsets(group, topic);
      assert.equal(offsets.length, 3);
      for (const o of offsets) assert.ok(o.offset > 0 && o.metadata !== null && o.metadata !== '', `${group} partition ${o.partition}: ${JSON.stringify(o)}`);
    }

    // The event clock goes on: windows the first manager's jobs left open fire now.
    const [allC, allD] = await Promise.all([
      produceAndRead(topicC, 53, half, COUNT, '2025-01-01T00:00:02Z'),
      produceAndRead(topicD, 54, half, COUNT, '2025-01-01T00:00:02Z'),
    ]);
    const second = await startManager(stateFile, managerEnv);
    cleanups.push(() => stopManager(second));
    const resumedLine = await waitFor(() => /^.*resumed the jobs that were running.*$/m.exec(second.stderr())?.[0], { what: 'the resume log line' });
    assert.ok(resumedLine.includes(idC) && resumedLine.includes(idD), resumedLine);
    for (const [id, records, target] of [[idC, allC, bucketC], [idD, allD, bucketD]] as const) {
      const expected = expectationOf(records);
      await waitForJob(second, id, (j) => j.state === 'RUNNING', 'RUNNING again under the new manager');
      await waitForWindows(target, expected.windows, `job ${id} to write every window after the resume`);
      // Each point emitted once over both managers: nothing re-fired after the resume, nothing skipped.
      const job = await waitForJob(second, id, (j) => j.pointsOut >= expected.points, `to report ${expected.points} points`);
      assert.equal(job.pointsOut, expected.points, 'points out over both managers');
      assert.equal(job.restarts, 0, 'a manager restart is not a job restart');
    }

    // A second manager on the same state file refuses to start, naming the first, and starts no job:
    // on the same port, and on another (two managers would run each job twice in one group).
    for (const port of [new URL(second.url).port, '0']) {
      const taken = await runCliBounded(['jobmanager', '--port', port, '--state-file', stateFile]);
      assert.equal(taken.code, 2, taken.stderr);
      assert.match(taken.stderr, new RegExp(`--state-file: ${stateFile} is in use by the job manager with pid ${second.child.pid} at ${second.url}`));
    }
    for (const group of [groupC, groupD]) assert.deepEqual(await describeGroup(group), { state: 'Stable', members: 1 }, `group ${group}`);

    // SIGKILL leaves no manager to cancel the workers: they stop on their own (the IPC channel
    // closes), flushing and committing, instead of reading on unmanaged beside the next manager.
    const workers = childrenOf(second.child.pid!);
    cleanups.push(async () => workers.filter(isAlive).forEach((pid) => process.kill(pid, 'SIGKILL')));
    second.child.kill('SIGKILL');
    await second.exited;
    for (const group of [groupC, groupD]) {
      await waitFor(async () => (await describeGroup(group)).state === 'Empty', { timeoutMs: STOP_BOUND_MS, stepMs: 500, what: `group ${group} to be left by its worker` });
    }
    await waitFor(() => !workers.some(isAlive), { timeoutMs: STOP_BOUND_MS, what: `the workers ${workers} to exit` });
    assert.equal(stateFileJobs(stateFile)[idC]?.state, 'RUNNING', 'still to be resumed by the next manager');
  });

  test('a bearer token: required off loopback, then every call but /health and /metrics must carry it', async () => {
    const stateFile = join(dir, 'token', 'state.json');
    const [open, empty, badPort] = await Promise.all([
      runCliBounded(['jobmanager', '--port', '0', '--host', '0.0.0.0', '--state-file', stateFile]),
      runCliBounded(['jobmanager', '--port', '0', '--host', '0.0.0.0', '--state-file', stateFile, '--token', '']),
      runCliBounded(['jobmanager', '--port', '70000', '--state-file', stateFile]),
    ]);
    assert.equal(badPort.code, 2, badPort.stderr);
    assert.match(badPort.stderr, /--port <port>' argument '70000' is invalid\. "70000" must be a TCP port from 0/);
    assert.equal(open.code, 2, open.stderr);
    assert.match(open.stderr, /^error: --token: listening on 0\.0\.0\.0 reaches beyond this machine; give --token/);
    assert.equal(open.stdout, '', 'it never listened');
    assert.equal(empty.code, 2, empty.stderr);
    assert.match(empty.stderr, /^error: --token: is empty/, 'an empty token would let every call through');

    const token = uniqueName('secret');
    const guarded = await startManager(stateFile, managerEnv, ['--token', token]);
    cleanups.push(() => stopManager(guarded));
    for (const [method, path] of [['GET', '/jobs'], ['POST', '/jobs'], ['GET', '/jobs/x'], ['DELETE', '/jobs/x']] as const) {
      for (const given of [undefined, 'wrong', `${token}x`]) {
        const reply = await api(guarded.url, method, path, method === 'POST' ? { job: 'error-rates', args: [] } : undefined, given);
        assert.equal(reply.status, 401, `${method} ${path} with ${given ?? 'no token'}: ${reply.text}`);
        assert.match(String(reply.body.error), /bearer token/);
      }
    }
    assert.equal((await api(guarded.url, 'GET', '/jobs', undefined, token)).status, 200);
    assert.equal((await api(guarded.url, 'GET', '/jobs/x', undefined, token)).status, 404);
    assert.equal((await api(guarded.url, 'GET', '/health')).status, 200);
    const metrics = await api(guarded.url, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^# TYPE clickflow_records_in_total counter$/m);

    const [without, withFlag, withEnv] = await Promise.all([
      runCli(['list', '--jobmanager', guarded.url]),
      runCli(['list', '--jobmanager', guarded.url, '--token', token]),
      runCli(['list', '--jobmanager', guarded.url], { CLICKFLOW_TOKEN: token }),
    ]);
    assert.equal(without.code, 1, without.stderr);
    assert.match(without.stderr, /missing or wrong bearer token/);
    assert.equal(withFlag.code, 0, withFlag.stderr);
    assert.equal(withEnv.code, 0, withEnv.stderr);
    assert.equal(await stopManager(guarded), 0);
    assert.ok(!(guarded.stderr() + guarded.stdout()).includes(token), 'the manager never prints its token');
  });
});
