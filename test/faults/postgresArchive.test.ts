import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { archiveDifferences, expectedArchive, readArchive } from '../services/archivedRows.js';
import { consumeAll, type ConsumedRecord } from '../services/consumeAll.js';
import { runCli } from '../services/runCli.js';
import { reportFault } from './faultReport.js';
import { JobProcess, killAllJobs } from './JobProcess.js';
import { startOwnPostgres, type OwnPostgres } from './ownServices.js';
import { seededRandom } from './seededRandom.js';

const EVENTS = 200_000;
const KILLS = 5;
const SEED = 23;
const OUTAGE_MS = 30_000;

/**
 * The archive job (Kafka → PostgreSQL) under kill -9 and under PostgreSQL going away for 30 s,
 * on a PostgreSQL of the test's own: afterwards the table must hold exactly the rows of a clean
 * run, which are the valid events, each once.
 */
describe('the archive job into PostgreSQL survives kill -9 and a PostgreSQL outage', () => {
  let topic: string;
  let produced: ConsumedRecord[];
  let postgres: OwnPostgres;
  let disposePostgres: (() => Promise<void>) | undefined;

  before(async () => {
    const { brokers } = serviceEnv();
    topic = uniqueName('archive-faults');
    const result = await runCli(['produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', '--seed', String(SEED), '--count', String(EVENTS), '--invalid', '0.01']);
    assert.equal(result.code, 0, result.stderr);
    produced = await consumeAll(brokers, topic, EVENTS, 300_000);
    ({ postgres, dispose: disposePostgres } = await startOwnPostgres());
  });
  after(async () => {
    killAllJobs();
    await disposePostgres?.();
  });

  const args = (table: string, group: string) => [
    'run', 'archive', '--from', 'kafka', '--topic', topic, '--group', group, '--bounded', '--commit-interval', '500ms', '--to', 'none',
    '--output', `events=${postgres.url}?table=${table}`,
  ];
  const env = () => ({ KAFKA_BROKERS: serviceEnv().brokers });

  /** Runs a clean archive into `table` and compares `faulted` with it and with the events; reports the row. */
  const compare = async (scenario: string, faulted: string) => {
    const cleanTable = `${faulted}_clean`;
    const clean = new JobProcess(args(cleanTable, uniqueName('archive-clean')), env());
    assert.equal((await clean.exited).code, 0, clean.stderr.slice(-3000));
    const expected = expectedArchive(produced, topic);
    const [afterFault, cleanRun] = [await readArchive(postgres.url, faulted), await readArchive(postgres.url, cleanTable)];
    const againstClean = archiveDifferences(afterFault.rows, cleanRun.rows);
    const againstEvents = archiveDifferences(afterFault.rows, expected);
    reportFault({
      scenario,
      sent: EVENTS,
      counted: afterFault.total,
      invalid: EVENTS - expected.size,
      late: 0,
      windowsCompared: cleanRun.total,
      mismatches: againstClean.length + againstEvents.length + afterFault.duplicates + Math.abs(afterFault.total - expected.size),
    });
    assert.ok(expected.size > EVENTS * 0.98, `valid events: ${expected.size}`);
    assert.deepEqual(againstClean.slice(0, 10), [], 'rows that differ from the clean run');
    assert.deepEqual(againstEvents.slice(0, 10), [], 'rows that differ from the events');
    assert.equal(afterFault.total, expected.size, 'one row per valid event');
  };

  test(`kill -9 x${KILLS} at seeded moments, each followed by a restart: the table equals a clean run's`, async (t) => {
    const table = uniqueName('killed').replace('-', '_');
    const group = uniqueName('archive-killed');
    const random = seededRandom(SEED);
    // Every third kill during start-up (connecting, creating the table, joining the group), the
    // others once this incarnation has read a seeded share of the topic: between or during INSERTs and commits.
    const schedule = Array.from({ length: KILLS }, (_, k) =>
      k % 3 === 1 ? { startUpMs: Math.floor(random() * 2_000) } : { recordsRead: Math.floor((0.05 + random() * 0.15) * EVENTS) },
    );
    const moments: string[] = [];
    for (const [k, moment] of schedule.entries()) {
      const job = new JobProcess(args(table, group), env());
      if ('startUpMs' in moment) await new Promise((resolve) => setTimeout(resolve, moment.startUpMs));
      else {
        await waitFor(async () => !job.alive || ((await job.metric('clickflow_records_in_total')) ?? 0) >= moment.recordsRead, {
          timeoutMs: 120_000,
          stepMs: 20,
          what: `kill ${k + 1}: the job to read ${moment.recordsRead} records`,
        });
      }
      assert.ok(job.alive, `kill ${k + 1} (${JSON.stringify(moment)}) came after the job had ended:\n${job.stderr.slice(-2000)}`);
      job.kill('SIGKILL');
      assert.equal((await job.exited).signal, 'SIGKILL');
      moments.push('startUpMs' in moment ? `${moment.startUpMs} ms after start` : `after ${moment.recordsRead} records`);
    }
    t.diagnostic(`kills: ${moments.join(', ')}`);
    const last = new JobProcess(args(table, group), env());
    assert.equal((await last.exited).code, 0, last.stderr.slice(-3000));
    await compare(`PostgreSQL archive, kill -9 x${KILLS}`, table);
  });

  test(`PostgreSQL down for ${OUTAGE_MS / 1000} s mid-run: the job retries, keeps running, and the table equals a clean run's`, async (t) => {
    const table = uniqueName('outage').replace('-', '_');
    const job = new JobProcess(args(table, uniqueName('archive-outage')), env());
    // Down once rows are going in: some are stored, most of the topic is still to read.
    await waitFor(async () => ((await job.metric('clickflow_records_in_total')) ?? 0) >= EVENTS * 0.1, { timeoutMs: 120_000, stepMs: 20, what: 'the job to read 10 % of the topic' });
    await postgres.stop();
    const downAtMs = Date.now();
    const readAtStop = (await job.metric('clickflow_records_in_total')) ?? 0;
    while (Date.now() - downAtMs < OUTAGE_MS) {
      assert.ok(job.alive, `the job ended while PostgreSQL was down:\n${job.stderr.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const retries = (await job.metric('clickflow_sink_retries_total')) ?? 0;
    const readWhileDown = ((await job.metric('clickflow_records_in_total')) ?? 0) - readAtStop;
    await postgres.restart();
    t.diagnostic(`PostgreSQL stopped after ${readAtStop} records read, back after ${Date.now() - downAtMs} ms; ${retries} retries, ${readWhileDown} records read meanwhile`);
    const exit = await job.exited;
    assert.equal(exit.code, 0, job.stderr.slice(-3000));
    assert.ok(retries >= 3, `INSERTs retried while PostgreSQL was down: ${retries}`);
    const delays = [...job.stderr.matchAll(/retrying in (\d+) ms/g)].map((m) => Number(m[1]));
    assert.ok(delays.length >= 3 && delays.at(-1)! > delays[0]! * 4, `retry delays grow: ${delays.join(' ')}`);
    assert.doesNotMatch(job.stderr, /clickflow-local/, 'the password never shows in the retries’ messages');
    await compare(`PostgreSQL archive, down ${OUTAGE_MS / 1000} s`, table);
  });
});
