import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { readErrorRates } from '../services/readErrorRates.js';
import { runCli } from '../services/runCli.js';
import { compareWindows, countedEvents } from './compareWindows.js';
import { reportFault } from './faultReport.js';
import { JobProcess, killAllJobs, summaryCount, type JobExit } from './JobProcess.js';

/** As in the issue. */
const EVENTS = 300_000;
const WINDOWING = ['--window', '1s', '--max-out-of-orderness', '500ms'];
/** A bounded run of this topic takes seconds; one that has not ended by then never will. */
const EXIT_BOUND_MS = 180_000;

/** The job's exit, or a failure naming the run that is still waiting, with its log. */
async function exitWithin(job: JobProcess, name: string): Promise<JobExit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} has not exited after ${EXIT_BOUND_MS} ms:\n${job.stderr.slice(-3000)}`)), EXIT_BOUND_MS);
  });
  try {
    return await Promise.race([job.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('two bounded instances in one consumer group', () => {
  const { brokers } = serviceEnv();
  const topic = uniqueName('bounded-group');
  const buckets: InfluxTestBucket[] = [];
  let clean: InfluxTestBucket;
  /** The single run's summary: the topic's invalid and late records, for the fault table. */
  let single: { invalid: number; late: number };
  const env = (b: InfluxTestBucket) => ({ KAFKA_BROKERS: brokers, ...b.env() });
  const args = (group: string) => [
    'run', 'error-rates', '--from', 'kafka', '--to', 'influx', '--topic', topic, '--group', group, '--bounded', ...WINDOWING,
  ];

  before(async () => {
    const produced = await runCli([
      'produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', '--seed', '21', '--count', String(EVENTS),
      '--urls', '50', '--late', '0.01:3s', '--out-of-order', '300ms', '--invalid', '0.01', '--error-rate', '0.1',
    ]);
    assert.equal(produced.code, 0, produced.stderr);
    clean = await InfluxTestBucket.create('bounded-group-clean');
    buckets.push(clean);
    const run = new JobProcess(args(uniqueName('bounded-group-clean')), env(clean));
    assert.equal((await exitWithin(run, 'the single run')).code, 0, run.stderr.slice(-3000));
    single = { invalid: summaryCount(run.stderr, 'invalid') ?? NaN, late: summaryCount(run.stderr, 'late') ?? NaN };
  });

  after(async () => {
    killAllJobs();
    await Promise.all(buckets.map((b) => b.drop()));
  });

  /** Both end with exit 0, and what they wrote together is the single run's output, window by window. */
  async function bothEndExact(t: TestContext, scenario: string, bucket: InfluxTestBucket, jobs: readonly JobProcess[]): Promise<void> {
    const exits = await Promise.all(jobs.map((job, i) => exitWithin(job, `instance ${i + 1}`)));
    exits.forEach((exit, i) => assert.equal(exit.code, 0, jobs[i]!.stderr.slice(-3000)));
    const assignments = jobs.map((job) => [...job.stderr.matchAll(/"partitions":(\[[\d,]*\]),"msg":"partitions assigned"/g)].map((m) => m[1]).join(' → '));
    t.diagnostic(`assignments: ${assignments.join(' | ')}`);
    for (const job of jobs) t.diagnostic(/^.*records in.*$/m.exec(job.stderr)?.[0] ?? 'no summary');
    const written = await readErrorRates(bucket);
    const expected = await readErrorRates(clean);
    const comparison = compareWindows(written, expected);
    reportFault({
      scenario,
      sent: EVENTS,
      counted: countedEvents(written),
      invalid: single.invalid,
      late: single.late,
      windowsCompared: comparison.compared,
      mismatches: comparison.mismatched.length,
    });
    assert.ok(expected.size > 3 * 100, `windows of the single run: ${expected.size}`);
    assert.deepEqual(comparison.mismatched, [], 'windows that differ from the single run');
    assert.equal(countedEvents(written), countedEvents(expected));
  }

  test('started together in an empty group: whichever gets the partitions after the other finished ends too', async (t) => {
    const group = uniqueName('bounded-group');
    const bucket = await InfluxTestBucket.create('bounded-group');
    buckets.push(bucket);
    // The first to join often reads much of the topic alone before the other is given partitions.
    // Each ends once every partition is at its end: those it holds by its reading, the others by
    // the group's commits, which their holder moves to the end once it has read them.
    const jobs = [new JobProcess(args(group), env(bucket)), new JobProcess(args(group), env(bucket))];
    await bothEndExact(t, 'bounded: 2 instances start together', bucket, jobs);

    // Everything is committed at its end offset: a third instance has nothing to read.
    const late = new JobProcess(args(group), env(bucket));
    assert.equal((await exitWithin(late, 'the late instance')).code, 0, late.stderr.slice(-3000));
    assert.equal(summaryCount(late.stderr, 'records in'), 0);
  });
});
