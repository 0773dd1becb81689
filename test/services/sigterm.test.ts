import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { readErrorRates } from './readErrorRates.js';
import { runCli } from './runCli.js';

const CLI = fileURLToPath(new URL('../../../bin/clickflow.js', import.meta.url));
/** How long a stop may take: a bound for a loaded 2-core machine, not a timing the test relies on. */
const STOP_BOUND_MS = 20_000;
/** How long a phase of start-up may take to show up. */
const PHASE_BOUND_MS = 60_000;

/** Runs a failed test may have left behind; killed after each test, or the test file never ends. */
const running = new Set<ChildProcess>();

/** A `clickflow run` whose stderr (debug log) can be waited on, line by line. */
function startRun(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env, CLICKFLOW_LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.resume();
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const listener of listeners) listener();
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    stderr: () => stderr,
    /** Resolves once the log shows `pattern`: the run has reached that point (and is still in it or past it). */
    reached(pattern: RegExp): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stderr)) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => (done(), reject(new Error(`no ${pattern} within ${PHASE_BOUND_MS} ms:\n${stderr}`))), PHASE_BOUND_MS);
        const onExit = () => (done(), reject(new Error(`exited before ${pattern}:\n${stderr}`)));
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('close', onExit);
        };
        listeners.add(check);
        child.once('close', onExit);
        check();
      });
    },
  };
}

async function stopsCleanly(run: ReturnType<typeof startRun>, when: string): Promise<void> {
  const signalledMs = Date.now();
  run.child.kill('SIGTERM');
  const code = await run.exited;
  const tookMs = Date.now() - signalledMs;
  assert.equal(code, 0, `SIGTERM ${when}: exit ${code}\n${run.stderr()}`);
  assert.match(run.stderr(), /SIGTERM received, stopping/, when);
  assert.match(run.stderr(), /error-rates: \d+ records in/, `SIGTERM ${when}: the summary`);
  assert.doesNotMatch(run.stderr(), /still open/, `SIGTERM ${when}: connections left open`);
  assert.ok(tookMs < STOP_BOUND_MS, `SIGTERM ${when}: stopping took ${tookMs} ms`);
}

describe('SIGTERM at any moment of a run from Kafka to InfluxDB', () => {
  let topic: string;
  let bucket: InfluxTestBucket;
  let env: Record<string, string>;
  before(async () => {
    const { brokers } = serviceEnv();
    topic = uniqueName('sigterm');
    const produced = await runCli([
      'produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', '--seed', '3', '--count', '3000', '--urls', '30',
    ]);
    assert.equal(produced.code, 0, produced.stderr);
    bucket = await InfluxTestBucket.create('sigterm');
    env = {
      KAFKA_BROKERS: brokers,
      ...bucket.env(),
    };
  });
  afterEach(() => {
    for (const child of running) child.kill('SIGKILL');
  });
  after(() => bucket?.drop());

  // 3000 seeded events span 3 s of event time: 1 s windows with no out-of-orderness fire two per partition.
  const args = (group: string) =>
    ['run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', group, '--window', '1s', '--max-out-of-orderness', '0s'];

  // Each phase is recognised by the log line that starts it, so the signal lands in it (or
  // just after) on a fast machine and a slow one alike.
  const phases: [string, RegExp][] = [
    ['while its modules are still loading', /shutdown handlers installed/],
    ['while it connects to Kafka', /opening the source/],
    ['while it joins the consumer group', /job started/],
    ['right after its partitions are assigned', /partitions assigned/],
  ];
  for (const [when, pattern] of phases) {
    test(`SIGTERM ${when} ends the run cleanly (exit 0) and promptly`, async () => {
      const run = startRun(args(uniqueName('sigterm')), env);
      await run.reached(pattern);
      await stopsCleanly(run, when);
    });
  }

  test('SIGTERM while it reads and writes points ends the run cleanly', async () => {
    const run = startRun(args(uniqueName('sigterm')), env);
    await run.reached(/partitions assigned/);
    const deadline = Date.now() + PHASE_BOUND_MS;
    while ((await readErrorRates(bucket)).size === 0) {
      assert.ok(Date.now() < deadline, `no points within ${PHASE_BOUND_MS} ms:\n${run.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await stopsCleanly(run, 'while reading');
  });

  test('SIGTERM during a rebalance (a second instance joining) ends both instances cleanly', async () => {
    const group = uniqueName('sigterm-rebalance');
    const first = startRun(args(group), env);
    await first.reached(/partitions assigned/);
    const second = startRun(args(group), env);
    // The second one joining makes the group rebalance the first one's partitions.
    await second.reached(/job started/);
    await stopsCleanly(first, 'in the first instance during a rebalance');
    await second.reached(/partitions assigned/);
    await stopsCleanly(second, 'in the instance that joined');
  });
});
