import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { runCli } from '../services/runCli.js';
import { reportFault } from './faultReport.js';
import { JobProcess, killAllJobs } from './JobProcess.js';
import { lineDifferences, linesOf, sampleOfDifferences, withoutRestartVariance } from './lineDifferences.js';

const EVENTS = 600_000;

/**
 * A job that loses its place in the consumer group (here: stopped for longer than its session
 * timeout, as a long GC pause or a suspended laptop would) rejoins and gets the same partitions
 * back. It must go on from what it holds in memory: restoring them from the group's last commit
 * would process the records read since then again, as new, and append their windows to the
 * file a second time.
 */
describe('a job that rejoins its group with the partitions it held', () => {
  let topic: string;
  let dir: string;

  before(async () => {
    topic = uniqueName('rejoin');
    dir = mkdtempSync(join(tmpdir(), 'clickflow-rejoin-'));
    const produced = await runCli([
      'produce', '--brokers', serviceEnv().brokers, '--topic', topic, '--partitions', '3', '--seed', '31', '--count', String(EVENTS),
      '--urls', '200', '--late', '0.01:8s', '--out-of-order', '400ms', '--invalid', '0.01', '--error-rate', '0.1',
    ]);
    assert.equal(produced.code, 0, produced.stderr);
  });
  after(() => {
    killAllJobs();
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes every line of its file once, as a run without the pause does', async () => {
    const { brokers } = serviceEnv();
    const env = { KAFKA_BROKERS: brokers };
    const args = (name: string, group: string) => [
      'run', 'error-rates', '--from', 'kafka', '--topic', topic, '--bounded', '--group', group, '--commit-interval', '2s',
      '--to', `file:${join(dir, `${name}.lp`)}`, '--dead-letter', `file:${join(dir, `${name}-dead.jsonl`)}`, '--late-output', `file:${join(dir, `${name}-late.jsonl`)}`,
    ];
    const clean = await runCli(args('clean', uniqueName('rejoin-clean')), env);
    assert.equal(clean.code, 0, clean.stderr);

    const group = uniqueName('rejoin-paused');
    const job = new JobProcess(args('paused', group), env);
    await waitFor(async () => ((await job.metric('clickflow_records_in_total')) ?? 0) >= EVENTS / 4, {
      timeoutMs: 120_000,
      stepMs: 20,
      what: 'the job to read a quarter of the topic',
    });
    job.kill('SIGSTOP');
    // Paused until the group has dropped it: no heartbeat for its session timeout.
    const admin = new Kafka({ clientId: 'rejoin-test', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await waitFor(async () => (await admin.describeGroups([group])).groups[0]?.members.length === 0, {
        timeoutMs: 60_000,
        stepMs: 250,
        what: 'the group to drop the paused member',
      });
    } finally {
      await admin.disconnect();
      job.kill('SIGCONT');
    }
    const exit = await job.exited;
    assert.equal(exit.code, 0, job.stderr.slice(-3000));
    const joins = job.stderr.match(/"msg":"partitions assigned"/g)?.length ?? 0;
    assert.ok(joins >= 2, `the job joined its group again after the pause (${joins} assignments):\n${job.stderr.slice(-3000)}`);

    const read = (name: string) => linesOf(join(dir, name)).map(withoutRestartVariance);
    const files = ['.lp', '-dead.jsonl', '-late.jsonl'].map((suffix) => {
      const [paused, expected] = [read(`paused${suffix}`), read(`clean${suffix}`)];
      return { suffix, paused, expected, differences: lineDifferences(paused, expected) };
    });
    const [points, dead, late] = files.map((f) => f.paused);
    const windows = new Set(points!.filter((line) => line.startsWith('error_rates,')).map((line) => `${/,partition=(\d+)/.exec(line)?.[1]}|${line.slice(line.lastIndexOf(' ') + 1)}`));
    reportFault({
      scenario: 'rejoin after a pause past the session timeout (files)',
      sent: EVENTS,
      counted: points!.reduce((sum, line) => sum + (line.startsWith('error_rates,') ? Number(/[ ,]total=(\d+)i/.exec(line)?.[1] ?? 0) : 0), 0),
      invalid: dead!.length,
      late: late!.length,
      windowsCompared: windows.size,
      mismatches: files.reduce((sum, f) => sum + f.differences, 0),
    });
    for (const { suffix, paused, expected, differences } of files) {
      assert.ok(expected.length > 0, `the clean run wrote clean${suffix}`);
      assert.equal(differences, 0, `paused${suffix}: ${paused.length} lines against ${expected.length}; first differences:\n${sampleOfDifferences(paused, expected)}`);
    }
  });
});
