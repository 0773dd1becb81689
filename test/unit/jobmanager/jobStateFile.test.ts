import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ClickflowError } from '../../../src/errors/ClickflowError.js';
import { JobStateFile } from '../../../src/jobmanager/JobStateFile.js';
import { EMPTY_METRICS, type JobRecord } from '../../../src/jobmanager/ManagedJob.js';
import { StateFileError } from '../../../src/jobmanager/StateFileError.js';
import { jobDetailView, jobSummaryView } from '../../../src/jobmanager/jobView.js';

const dir = mkdtempSync(join(tmpdir(), 'clickflow-statefile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A state file holding `content` as written, in a directory of its own. */
function stateFileWith(content: string): JobStateFile {
  const sub = join(dir, `case-${++n}`);
  mkdirSync(sub);
  const path = join(sub, 'jobmanager.json');
  writeFileSync(path, content);
  return new JobStateFile(path);
}

const good: JobRecord = {
  id: 'a1',
  job: 'error-rates',
  name: 'error-rates',
  args: ['--from', 'kafka'],
  restart: { kind: 'fixed-delay', attempts: 3, delayMs: 10_000 },
  state: 'FINISHED',
  submittedAt: '2025-01-01T00:00:00.000Z',
  endedAt: '2025-01-01T00:01:00.000Z',
  restarts: 1,
  metrics: { ...EMPTY_METRICS, recordsIn: 42 },
};

describe('JobStateFile.load: a corrupted or hand-edited state file', () => {
  test('a null record is skipped with a warning naming its index, the good records are kept, and the file as read is copied aside', () => {
    const file = stateFileWith(JSON.stringify({ jobs: [null, good] }));
    const { jobs, warnings } = file.load();
    assert.deepEqual(jobs, [good]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^jobs\[0\] is null, not a job object: skipped; fix or delete that record in \S+\.skipped-\d+, then put it back/);
    const copy = /in (\S+\.skipped-\d+),/.exec(warnings[0]!)![1]!;
    assert.equal(readFileSync(copy, 'utf8'), JSON.stringify({ jobs: [null, good] }), 'the copy keeps the skipped record');
  });

  test('records without an id, with an unknown state, or with a repeated id are skipped, each with its own problem', () => {
    const file = stateFileWith(JSON.stringify({ jobs: [good, { ...good, id: undefined }, { ...good, id: 'b', state: 'DONE' }, { ...good }] }));
    const { jobs, warnings } = file.load();
    assert.deepEqual(jobs.map((j) => j.id), ['a1']);
    assert.match(warnings[0]!, /^jobs\[1\] has no "id"/);
    assert.match(warnings[1]!, /^jobs\[2\] has "state" "DONE"; expected one of CREATED, RUNNING/);
    assert.match(warnings[2]!, /^jobs\[3\] has the id a1 of an earlier record/);
  });

  test('a record without metrics is kept with zero counters and a warning, and its views no longer throw', () => {
    const { metrics: _, ...withoutMetrics } = good;
    const file = stateFileWith(JSON.stringify({ jobs: [withoutMetrics] }));
    const { jobs, warnings } = file.load();
    assert.equal(jobs.length, 1);
    assert.deepEqual(jobs[0]!.metrics, EMPTY_METRICS);
    assert.match(warnings[0]!, /^jobs\[0\] \(job a1\) has no readable "metrics": its counters start again from zero/);
    assert.equal(jobSummaryView(jobs[0]!).recordsIn, 0);
    assert.equal(jobDetailView(jobs[0]!).invalidRecords, 0);
    assert.equal(readdirSync(join(dir, `case-${n}`)).length, 1, 'nothing was skipped, so no copy is made');
  });

  test('a file holding null, an array or a number is refused with what it holds, not as "not valid JSON"', () => {
    for (const [content, found] of [['null', 'null'], ['[]', 'an array'], ['7', 'a number']] as const) {
      const file = stateFileWith(content);
      assert.throws(
        () => file.load(),
        (error: unknown) =>
          error instanceof ClickflowError &&
          error.message.includes(`${file.path} holds ${found}, not an object {"jobs": [...]}`) &&
          error.message.includes(`mv ${file.path} ${file.path}.old`),
      );
    }
    const notArray = stateFileWith('{"jobs": {}}');
    assert.throws(() => notArray.load(), /has "jobs" that is not an array/);
    assert.throws(() => stateFileWith('{"jobs": [').load(), /is not valid JSON/);
  });
});

describe('JobStateFile.save: a write that fails', () => {
  test('a file where its directory should be: a StateFileError naming the state file and what to do', () => {
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const file = new JobStateFile(join(blocker, 'jobmanager.json'));
    assert.throws(
      () => file.save([good]),
      (error: unknown) => error instanceof StateFileError && error.retriable && /cannot write the job manager's state file .*not-a-directory\/jobmanager\.json: cannot create its directory/.test(error.message),
    );
  });

  test('a failed rename (a directory where the state file should be) leaves no temporary file behind', () => {
    const sub = join(dir, 'rename-fails');
    mkdirSync(join(sub, 'jobmanager.json'), { recursive: true });
    const file = new JobStateFile(join(sub, 'jobmanager.json'));
    assert.throws(() => file.save([good]), (error: unknown) => error instanceof StateFileError && /EISDIR/.test(error.message));
    assert.deepEqual(readdirSync(sub), ['jobmanager.json']);
  });

  test('a write that works is read back whole, mode 0600', () => {
    const sub = join(dir, 'works');
    const file = new JobStateFile(join(sub, 'jobmanager.json'));
    file.save([good]);
    assert.deepEqual(file.load(), { jobs: [good], warnings: [] });
    assert.deepEqual(readdirSync(sub), ['jobmanager.json']);
    assert.equal(statSync(file.path).mode & 0o777, 0o600);
  });
});
