import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { consumeAll } from './consumeAll.js';
import { runCli, startCli, type CliResult } from './runCli.js';

/*
 * Kafka security against a real broker this file starts for itself (scripts/services/secureKafka.mjs):
 * SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, SASL_SSL, and SSL with client
 * certificates. Every command that talks to Kafka is run as a user runs it, and the password
 * is looked for everywhere clickflow writes: stdout, stderr (logs, progress line, summary,
 * errors, kafkajs's own logs), /metrics, the job manager's API and its state file.
 */

const CLI = fileURLToPath(new URL('../../../bin/clickflow.js', import.meta.url));
const SECURE_KAFKA = new URL('../../../scripts/services/secureKafka.mjs', import.meta.url).href;
const SERVICE_PROCESS = new URL('../../../scripts/services/serviceProcess.mjs', import.meta.url).href;

/** Bounds for a loaded 2-core machine; no test relies on them being reached. */
const BROKER_START_MS = 180_000;
const RUN_BOUND_MS = 120_000;

interface SecureKafka {
  readonly pid: number;
  readonly logPath: string;
  /** The PLAINTEXT listener: the test's own reads. */
  readonly brokers: string;
  readonly listeners: { readonly SASL_PLAINTEXT: string; readonly SASL_SSL: string; readonly SSL: string };
  readonly username: string;
  readonly password: string;
  readonly ca: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

let kafka: SecureKafka;
let dir: string;
const running = new Set<ChildProcess>();

before(
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'clickflow-security-'));
    const { startSecureKafka } = (await import(SECURE_KAFKA)) as { startSecureKafka(runDir: string): Promise<SecureKafka> };
    kafka = await startSecureKafka(dir);
  },
  { timeout: BROKER_START_MS },
);

after(async () => {
  for (const child of running) child.kill('SIGKILL');
  const { stopProcess } = (await import(SERVICE_PROCESS)) as { stopProcess(pid: number): Promise<void> };
  if (kafka !== undefined) await stopProcess(kafka.pid);
  rmSync(dir, { recursive: true, force: true });
});

/** Fails naming where the password showed up. */
function assertNoSecret(text: string, where: string, secrets: string[] = [kafka.password]): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `the password appears in ${where}:\n${text.slice(0, 3000)}`);
}

const sasl = (mechanism: string) => ['--kafka-sasl', mechanism, '--kafka-username', kafka.username];

/** `clickflow produce` of a small seeded clickstream with some invalid records. */
async function produce(brokers: string, topic: string, security: string[], env: Record<string, string>, count = 300): Promise<CliResult> {
  return runCli(['produce', '--brokers', brokers, '--topic', topic, '--count', String(count), '--seed', '7', '--invalid', '0.1', '--partitions', '2', ...security], env);
}

/** `clickflow run error-rates --bounded` from `topic` to a line-protocol file; dead letters go to `<topic>.dlq` through the same listener. */
async function runBounded(brokers: string, topic: string, security: string[], env: Record<string, string>): Promise<CliResult & { points: string }> {
  const out = join(dir, `${topic}.lp`);
  const result = await runCli(['run', 'error-rates', '--from', 'kafka', '--bounded', '--brokers', brokers, '--topic', topic, '--to', `file:${out}`, ...security], env);
  return { ...result, points: result.code === 0 ? readFileSync(out, 'utf8') : '' };
}

/** The invalid count of a run's summary line. */
const invalidOf = (stderr: string) => Number(/records in .*?, (\d+) invalid/.exec(stderr)?.[1] ?? NaN);

describe('Kafka security: SASL and TLS against a real broker', { timeout: 15 * 60_000 }, () => {
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
    test(`SASL_PLAINTEXT with ${mechanism}: produce, run and dead letters all authenticate; the password is in no output`, async () => {
      const topic = uniqueName(`sasl-${mechanism}`);
      // kafkajs's own logs too: a password in them would leak on the first hiccup.
      const env = { KAFKA_SASL_PASSWORD: kafka.password, CLICKFLOW_KAFKA_LOGS: '1' };
      const produced = await produce(kafka.listeners.SASL_PLAINTEXT, topic, sasl(mechanism), env);
      assert.equal(produced.code, 0, produced.stderr);
      assert.match(produced.stderr, /sent 300 events/);
      const run = await runBounded(kafka.listeners.SASL_PLAINTEXT, topic, sasl(mechanism), env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /300 records in/);
      assert.match(run.points, /^error_rates,/m);
      const invalid = invalidOf(run.stderr);
      assert.ok(invalid > 0, run.stderr);
      // The dead letters reached their topic through the SASL listener (read back over PLAINTEXT).
      const dead = await consumeAll(kafka.brokers, `${topic}.dlq`, invalid);
      assert.equal(dead.length, invalid);
      for (const [where, text] of Object.entries({ 'produce stdout': produced.stdout, 'produce stderr': produced.stderr, 'run stdout': run.stdout, 'run stderr': run.stderr })) {
        assertNoSecret(text, where);
      }
    });
  }

  test('SASL_SSL with scram-sha-512, the CA from --kafka-ca and the password from --kafka-password-file', async () => {
    const topic = uniqueName('sasl-ssl');
    const passwordFile = join(dir, 'kafka-password');
    writeFileSync(passwordFile, `${kafka.password}\n`);
    chmodSync(passwordFile, 0o600);
    const security = [...sasl('scram-sha-512'), '--kafka-password-file', passwordFile, '--kafka-ssl', '--kafka-ca', kafka.ca];
    const produced = await produce(kafka.listeners.SASL_SSL, topic, security, {});
    assert.equal(produced.code, 0, produced.stderr);
    const run = await runBounded(kafka.listeners.SASL_SSL, topic, security, {});
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /300 records in/);
    assertNoSecret(produced.stderr + produced.stdout + run.stderr + run.stdout, 'the SASL_SSL runs');
  });

  test('SSL with a client certificate, every setting from the environment (KAFKA_SSL, KAFKA_SSL_CA/CERT/KEY)', async () => {
    const topic = uniqueName('mtls');
    const env = { KAFKA_SSL: '1', KAFKA_SSL_CA: kafka.ca, KAFKA_SSL_CERT: kafka.clientCert, KAFKA_SSL_KEY: kafka.clientKey };
    const produced = await produce(kafka.listeners.SSL, topic, [], env);
    assert.equal(produced.code, 0, produced.stderr);
    const run = await runBounded(kafka.listeners.SSL, topic, [], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /300 records in/);
    const key = readFileSync(kafka.clientKey, 'utf8').split('\n')[1]!;
    assertNoSecret(produced.stderr + run.stderr + run.stdout, 'the mTLS runs', [key]);
  });

  test('a wrong password fails with a clear error for each mechanism, naming neither password', async () => {
    const wrong = `wrong-${kafka.password.slice(3)}`;
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
      const result = await produce(kafka.listeners.SASL_PLAINTEXT, uniqueName('wrong'), sasl(mechanism), { KAFKA_SASL_PASSWORD: wrong, CLICKFLOW_KAFKA_LOGS: '1' }, 1);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /refused authentication .*check --kafka-sasl .*--kafka-username and the password \(KAFKA_SASL_PASSWORD or --kafka-password-file\)/, mechanism);
      assertNoSecret(result.stderr + result.stdout, `the ${mechanism} refusal`, [kafka.password, wrong]);
    }
    const run = await runBounded(kafka.listeners.SASL_PLAINTEXT, uniqueName('wrong-run'), sasl('scram-sha-256'), { KAFKA_SASL_PASSWORD: wrong });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /refused authentication/);
    assertNoSecret(run.stderr + run.stdout, 'the refused run', [kafka.password, wrong]);
  });

  test('TLS mistakes are named with their fix: an unknown CA, a missing client certificate, SASL without its password', async () => {
    const noCa = await produce(kafka.listeners.SASL_SSL, uniqueName('no-ca'), [...sasl('plain'), '--kafka-ssl'], { KAFKA_SASL_PASSWORD: kafka.password });
    assert.equal(noCa.code, 1, noCa.stderr);
    assert.match(noCa.stderr, /TLS certificate of Kafka at .* was not accepted .*--kafka-ca/);
    const noCert = await produce(kafka.listeners.SSL, uniqueName('no-cert'), ['--kafka-ca', kafka.ca], {});
    assert.equal(noCert.code, 1, noCert.stderr);
    assert.match(noCert.stderr, /did not accept this client's TLS certificate.*--kafka-cert and --kafka-key/s);
    const noPassword = await produce(kafka.listeners.SASL_PLAINTEXT, uniqueName('no-pw'), sasl('plain'), { KAFKA_SASL_PASSWORD: '' });
    assert.equal(noPassword.code, 2, noPassword.stderr);
    assert.match(noPassword.stderr, /SASL needs a password: set KAFKA_SASL_PASSWORD or give --kafka-password-file/);
    const inArgs = await runCli(['run', 'error-rates', '--from', 'kafka', '--kafka-password', kafka.password]);
    assert.equal(inArgs.code, 2, inArgs.stderr);
    assert.match(inArgs.stderr, /--kafka-password: a password on the command line shows in ps/);
    assertNoSecret(inArgs.stderr + inArgs.stdout, 'the refusal of --kafka-password');
  });

  test('the progress line on a terminal and the run\'s /metrics never show the password', async () => {
    const topic = uniqueName('progress');
    const env = { KAFKA_SASL_PASSWORD: kafka.password };
    assert.equal((await produce(kafka.listeners.SASL_PLAINTEXT, topic, sasl('plain'), env)).code, 0);
    // A pseudo-terminal (Python's pty), so that the run draws its progress line; Ctrl-C through it stops the run.
    const args = [CLI, 'run', 'error-rates', '--from', 'kafka', '--brokers', kafka.listeners.SASL_PLAINTEXT, '--topic', topic, '--to', `file:${join(dir, `${topic}.lp`)}`, '--metrics-port', '0', ...sasl('plain')];
    const child = spawn('python3', ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    let terminal = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (terminal += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (terminal += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // The progress line counts the 300 records once they are read.
    await waitFor(() => /error-rates: 300 in \(/.test(terminal), { timeoutMs: RUN_BOUND_MS, what: `the progress line with 300 records in:\n${terminal}` });
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(terminal)?.[1];
    assert.ok(url !== undefined, `metrics served is logged:\n${terminal}`);
    const metrics = await (await fetch(url)).text();
    assert.match(metrics, /clickflow_records_in_total\{[^}]*\} 300/);
    assertNoSecret(metrics, '/metrics');
    child.stdin.write('\x03');
    assert.equal(await exited, 0, terminal);
    running.delete(child);
    assert.match(terminal, /\x1b\[Kerror-rates: \d+ in \(/, 'a progress line was drawn');
    assertNoSecret(terminal, 'the terminal');
  });

  test('jobs under a job manager: the password from its environment or a file, in none of /jobs, /jobs/:id, /metrics, its log or state file', async () => {
    const topic = uniqueName('managed');
    assert.equal((await produce(kafka.listeners.SASL_PLAINTEXT, topic, sasl('scram-sha-256'), { KAFKA_SASL_PASSWORD: kafka.password })).code, 0);
    const stateFile = join(dir, 'jobmanager.json');
    const manager = startCli(['jobmanager', '--port', '0', '--state-file', stateFile], { KAFKA_SASL_PASSWORD: kafka.password, CLICKFLOW_KAFKA_LOGS: '1' });
    running.add(manager.child);
    let stdout = '';
    let stderr = '';
    manager.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    manager.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const base = await waitFor(() => /job manager at (http:\/\/\S+)/.exec(stdout)?.[1], { timeoutMs: RUN_BOUND_MS, what: `the job manager's URL:\n${stderr}` });
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, { method, headers: method === 'GET' ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, text: await response.text() };
    };
    const passwordFile = join(dir, 'managed-password');
    writeFileSync(passwordFile, kafka.password);
    const common = ['--from', 'kafka', '--brokers', kafka.listeners.SASL_PLAINTEXT, '--topic', topic];
    const ids: string[] = [];
    for (const [i, extra] of [[], ['--kafka-password-file', passwordFile]].entries()) {
      const args = [...common, '--group', uniqueName(`managed-${i}`), '--to', `file:${join(dir, `${topic}-${i}.lp`)}`, ...sasl('scram-sha-256'), ...extra];
      const created = await call('POST', '/jobs', { job: 'error-rates', args });
      assert.equal(created.status, 201, created.text);
      ids.push((JSON.parse(created.text) as { id: string }).id);
    }
    for (const id of ids) {
      await waitFor(
        async () => {
          const job = JSON.parse((await call('GET', `/jobs/${id}`)).text) as { state: string; recordsIn: number; lastError: unknown };
          if (job.state === 'FAILED') throw new Error(`job ${id} failed: ${JSON.stringify(job.lastError)}`);
          return job.state === 'RUNNING' && job.recordsIn === 300;
        },
        { timeoutMs: RUN_BOUND_MS, what: `job ${id} to read the topic through SASL` },
      );
    }
    const refused = await call('POST', '/jobs', { job: 'error-rates', args: [...common, '--kafka-password', kafka.password] });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /--kafka-password: a password on the command line/);
    const views = {
      'GET /jobs': (await call('GET', '/jobs')).text,
      'GET /jobs/:id': (await call('GET', `/jobs/${ids[0]}`)).text + (await call('GET', `/jobs/${ids[1]}`)).text,
      'GET /metrics': (await call('GET', '/metrics')).text,
      'the refusal': refused.text,
    };
    assert.match(views['GET /metrics'], /clickflow_records_in_total\{[^}]*\} 300/);
    for (const id of ids) assert.equal((await call('DELETE', `/jobs/${id}`)).status, 200);
    manager.child.kill('SIGTERM');
    assert.equal((await manager.done).code, 0);
    running.delete(manager.child);
    for (const [where, text] of Object.entries({ ...views, 'the manager log': stderr + stdout, 'the state file': readFileSync(stateFile, 'utf8') })) {
      assertNoSecret(text, where);
    }
  });
});
