import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InfluxTestBucket } from '../../src/testing/InfluxTestBucket.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { waitFor } from '../../src/testing/waitFor.js';
import { consumeAll, type ConsumedRecord } from '../services/consumeAll.js';
import { readErrorRates } from '../services/readErrorRates.js';
import { eventTimeMs, referenceWindows } from '../services/referenceWindows.js';
import { runCli } from '../services/runCli.js';
import { compareWindows, countedEvents } from './compareWindows.js';
import { reportFault } from './faultReport.js';
import { JobProcess, killAllJobs } from './JobProcess.js';
import { lineDifferences, linesOf, sampleOfDifferences, withoutRestartVariance } from './lineDifferences.js';
import { seededRandom } from './seededRandom.js';
import { topicSize } from './topicSize.js';

const EVENTS = 1_000_000;
const KILLS = 10;
const SEED = 16;
/** Commits every 500 ms, so that kills fall before, between and during flushes and commits. */
const COMMIT_INTERVAL = '500ms';

/**
 * kill -9 at seeded moments of a 1M-event run over 3 partitions, each followed by a restart:
 * once into InfluxDB with a Kafka dead-letter topic and a late-output file, and beside it into
 * files only (points, dead letters, late records). The final contents must equal a clean run's.
 */
describe('kill -9 at any moment, then a restart, leaves exactly the output of a clean run', () => {
  let topic: string;
  let produced: ConsumedRecord[];
  let dir: string;
  const buckets: InfluxTestBucket[] = [];

  before(async () => {
    const { brokers } = serviceEnv();
    topic = uniqueName('kill9');
    dir = mkdtempSync(join(tmpdir(), 'clickflow-kill9-'));
    const result = await runCli([
      'produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', '--seed', String(SEED), '--count', String(EVENTS),
      '--urls', '200', '--late', '0.01:8s', '--out-of-order', '400ms', '--invalid', '0.01', '--error-rate', '0.1',
    ]);
    assert.equal(result.code, 0, result.stderr);
    produced = await consumeAll(brokers, topic, EVENTS, 300_000);
  });
  after(async () => {
    killAllJobs();
    await Promise.all(buckets.map((b) => b.drop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${KILLS} kills at seeded moments, each followed by a restart: InfluxDB, the dead-letter topic and every file equal a clean run`, async (t) => {
    const startedMs = Date.now();
    const { brokers } = serviceEnv();
    const [killed, clean] = [await InfluxTestBucket.create('kill9'), await InfluxTestBucket.create('kill9-clean')];
    buckets.push(killed, clean);
    const env = (bucket: InfluxTestBucket) => ({
      KAFKA_BROKERS: brokers,
      ...bucket.env(),
    });
    const common = ['run', 'error-rates', '--from', 'kafka', '--topic', topic, '--bounded', '--commit-interval', COMMIT_INTERVAL];
    /** The InfluxDB job and the file job of one variant (`killed` or `clean`), each with its own group and outputs. */
    const jobs = (variant: string, bucket: InfluxTestBucket) => ({
      // The killed InfluxDB job also fires its windows early: their final points must still replace every early one.
      influx: [...common, '--to', 'influx', '--group', `${topic}-${variant}-influx`, '--dead-letter', `kafka:${topic}.${variant}.dlq`,
        '--late-output', `file:${join(dir, `${variant}-influx-late.jsonl`)}`, ...(variant === 'killed' ? ['--early-every', '200ms'] : [])],
      files: [...common, '--to', `file:${join(dir, `${variant}.lp`)}`, '--group', `${topic}-${variant}-files`,
        '--dead-letter', `file:${join(dir, `${variant}-dead.jsonl`)}`, '--late-output', `file:${join(dir, `${variant}-files-late.jsonl`)}`],
      env: env(bucket),
    });
    const killedJobs = jobs('killed', killed);
    const cleanJobs = jobs('clean', clean);

    // The kill schedule: every fourth kill during start-up (a seeded delay after the spawn:
    // loading, connecting, joining the group), the others once the InfluxDB job has read a
    // seeded share of the topic in this incarnation (re-read records included), which falls
    // anywhere between two commits, or during one. Each share is small enough that work is
    // left for the next incarnation.
    const random = seededRandom(SEED);
    const schedule = Array.from({ length: KILLS }, (_, k) =>
      k % 4 === 1 ? { startUpMs: Math.floor(random() * 2_000) } : { recordsRead: Math.floor((0.01 + random() * 0.11) * EVENTS) },
    );
    const moments: string[] = [];
    for (const [k, moment] of schedule.entries()) {
      const influxJob = new JobProcess(killedJobs.influx, killedJobs.env);
      const filesJob = new JobProcess(killedJobs.files, killedJobs.env);
      if ('startUpMs' in moment) {
        await new Promise((resolve) => setTimeout(resolve, moment.startUpMs));
      } else {
        await waitFor(async () => !influxJob.alive || ((await influxJob.metric('clickflow_records_in_total')) ?? 0) >= moment.recordsRead, {
          timeoutMs: 120_000,
          stepMs: 20,
          what: `kill ${k + 1}: the job to read ${moment.recordsRead} records`,
        });
      }
      assert.ok(influxJob.alive, `kill ${k + 1} (${JSON.stringify(moment)}) came after the InfluxDB job had ended:\n${influxJob.stderr.slice(-2000)}`);
      influxJob.kill('SIGKILL');
      filesJob.kill('SIGKILL');
      const [influxExit] = await Promise.all([influxJob.exited, filesJob.exited]);
      assert.equal(influxExit.signal, 'SIGKILL', `kill ${k + 1} must have killed the job, not found it ended:\n${influxJob.stderr.slice(-2000)}`);
      moments.push('startUpMs' in moment ? `${moment.startUpMs} ms after start` : `after ${moment.recordsRead} records`);
    }

    t.diagnostic(`${KILLS} kills in ${((Date.now() - startedMs) / 1000).toFixed(0)} s: ${moments.join(', ')}`);
    // The last restart runs to the end; the clean run of each job beside it, into its own outputs.
    const finals = [killedJobs.influx, killedJobs.files, cleanJobs.influx, cleanJobs.files].map(
      (args, i) => new JobProcess(args, i < 2 ? killedJobs.env : cleanJobs.env),
    );
    const exits = await Promise.all(finals.map((job) => job.exited));
    for (const [i, exit] of exits.entries()) assert.equal(exit.code, 0, `final run ${i}: ${finals[i]!.stderr.slice(-3000)}`);

    t.diagnostic(`final and clean runs done after ${((Date.now() - startedMs) / 1000).toFixed(0)} s`);
    const reference = referenceWindows(produced, { windowMs: 10_000, maxOutOfOrdernessMs: 5_000, bounded: true });
    const invalid = EVENTS - reference.valid;
    const [afterKills, cleanRun] = [await readErrorRates(killed), await readErrorRates(clean)];
    // Early firings happened, and none outlived its window's final point.
    const finalFields = await killed.query<{ _value: boolean }>('|> range(start: 0) |> filter(fn: (r) => r._field == "final")');
    const earlyLeft = finalFields.filter((row) => String(row._value) !== 'true').length;
    const againstClean = compareWindows(afterKills, cleanRun);
    const againstReference = compareWindows(afterKills, reference.windows);

    // Dead letters: every invalid record once, in the topic and in the file.
    const deadLetters = await consumeAll(brokers, `${topic}.killed.dlq`, invalid, 120_000);
    const deadPositions = new Set(deadLetters.map((d) => `${d.headers['source.partition']}/${d.headers['source.offset']}`));
    const invalidPositions = new Set(produced.filter((r) => eventTimeMs(r.value) === undefined).map((r) => `${r.partition}/${r.offset}`));
    let deadLetterMismatches = Math.abs(deadLetters.length - deadPositions.size);
    for (const position of invalidPositions) if (!deadPositions.has(position)) deadLetterMismatches++;
    for (const position of deadPositions) if (!invalidPositions.has(position)) deadLetterMismatches++;
    // consumeAll stops once it has `invalid` records: the topic's size shows any beyond.
    const dlqEnd = await topicSize(brokers, `${topic}.killed.dlq`);

    const files = ['.lp', '-dead.jsonl', '-influx-late.jsonl', '-files-late.jsonl'].map((suffix) => {
      // A job_health line must have the clean run's series, time and window record count; its
      // watermark lag is the wall clock's, and after a restore its late and invalid counts may
      // miss those read between the last firing and the commit (README, "Guarantees"): they are
      // checked apart, below. Every other line must match byte for byte.
      const read = (name: string) => linesOf(join(dir, name)).map(withoutRestartVariance);
      const [k, c] = [read(`killed${suffix}`), read(`clean${suffix}`)];
      return { suffix, lines: k.length, cleanLines: c.length, differences: lineDifferences(k, c), sample: sampleOfDifferences(k, c) };
    });
    const healthTotals = (name: string) => {
      const totals = { late: 0, invalid: 0 };
      for (const line of linesOf(join(dir, name))) {
        if (!line.startsWith('job_health,')) continue;
        totals.late += Number(/late_records=(\d+)i/.exec(line)![1]);
        totals.invalid += Number(/invalid_records=(\d+)i/.exec(line)![1]);
      }
      return totals;
    };
    const [killedHealth, cleanHealth] = [healthTotals('killed.lp'), healthTotals('clean.lp')];
    const healthOvercounts = Math.max(0, killedHealth.late - cleanHealth.late) + Math.max(0, killedHealth.invalid - cleanHealth.invalid);
    const fileMismatches = files.reduce((sum, f) => sum + f.differences, 0) + healthOvercounts;
    const lateLines = files.find((f) => f.suffix === '-influx-late.jsonl')!.lines;

    reportFault({
      scenario: `kill -9 x${KILLS} (3 partitions; InfluxDB job with --early-every)`,
      sent: EVENTS,
      counted: countedEvents(afterKills),
      invalid: deadLetters.length,
      late: lateLines,
      windowsCompared: againstClean.compared,
      mismatches: againstClean.mismatched.length + againstReference.mismatched.length + deadLetterMismatches + Math.abs(dlqEnd - invalid) + fileMismatches + earlyLeft,
    });

    assert.ok(finalFields.length > 0, 'the killed InfluxDB job wrote points with early firings on');
    assert.equal(earlyLeft, 0, 'every early point was replaced by its window\'s final one');

    assert.ok(reference.windows.size > 250, `a meaningful run has hundreds of windows, this one ${reference.windows.size}`);
    assert.ok(invalid > 5_000 && reference.late > 50, `invalid ${invalid} and late ${reference.late} records are part of the test`);
    assert.deepEqual(againstClean.mismatched, [], `windows that differ from the clean run (kills: ${moments.join(', ')})`);
    assert.deepEqual(againstReference.mismatched, [], 'windows that differ from the reference');
    assert.equal(countedEvents(afterKills), reference.valid - reference.late, 'every valid, timely event counted once');
    assert.equal(dlqEnd, invalid, 'the dead-letter topic holds one record per invalid record, no more');
    assert.equal(deadLetterMismatches, 0, 'each invalid record dead-lettered once');
    assert.ok(cleanHealth.invalid > 0 && cleanHealth.late > 0, `the clean run's job_health counts late (${cleanHealth.late}) and invalid (${cleanHealth.invalid}) records`);
    assert.equal(healthOvercounts, 0, `job_health never counts more than a clean run: late ${killedHealth.late} vs ${cleanHealth.late}, invalid ${killedHealth.invalid} vs ${cleanHealth.invalid}`);
    t.diagnostic(`job_health after the kills: late ${killedHealth.late} of ${cleanHealth.late}, invalid ${killedHealth.invalid} of ${cleanHealth.invalid}`);
    for (const f of files) {
      assert.equal(f.differences, 0, `killed${f.suffix}: ${f.lines} lines against the clean run's ${f.cleanLines}; kills: ${moments.join(', ')}; first differences:\n${f.sample}`);
      assert.ok(f.suffix.includes('late') ? f.lines === reference.late : f.lines > 0, `killed${f.suffix} has ${f.lines} lines`);
    }
    assert.equal(files.find((f) => f.suffix === '-dead.jsonl')!.lines, invalid);
  });
});
