import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readRunFlags } from '../../../src/cli/readRunFlags.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { JobManager } from '../../../src/jobmanager/JobManager.js';
import { JobStateFile } from '../../../src/jobmanager/JobStateFile.js';
import type { JobRecord } from '../../../src/jobmanager/ManagedJob.js';
import { StateFileError } from '../../../src/jobmanager/StateFileError.js';
import { waitFor } from '../../../src/testing/waitFor.js';

/** Bounds for a loaded 2-core machine; no test relies on them being reached. */
const BOUND_MS = 60_000;
/** A job that runs until cancelled and needs no Kafka, no InfluxDB and no file. */
const ENDLESS = ['--from', 'generator:20', '--to', 'none'];

const dir = mkdtempSync(join(tmpdir(), 'clickflow-jm-writes-'));
const managers: JobManager[] = [];
after(async () => {
  for (const manager of managers) await manager.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

function managerOn(path: string) {
  const errors: (StateFileError | undefined)[] = [];
  const manager = new JobManager(new JobStateFile(path), { onStateFileError: (error) => errors.push(error) }, readRunFlags);
  managers.push(manager);
  return { manager, errors };
}

describe('JobManager: a state file that cannot be written', () => {
  test('a submission that cannot be recorded is refused with a StateFileError and leaves no job behind, started or CREATED', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const { manager, errors } = managerOn(join(blocker, 'jobmanager.json'));
    assert.throws(
      () => manager.submit('error-rates', ENDLESS, { kind: 'none' }, 'error-rates'),
      (error: unknown) => error instanceof StateFileError && error.message.includes(`${blocker}/jobmanager.json`),
    );
    assert.deepEqual(manager.list(), []);
    assert.equal(errors.length, 1, 'the failure is reported once');
    assert.ok(manager.stateFileProblem instanceof StateFileError);
  });

  test('a write that fails while a job runs stops neither the manager nor the job; the next write that works catches the file up', async () => {
    const sub = join(dir, 'runtime');
    const path = join(sub, 'jobmanager.json');
    const { manager, errors } = managerOn(path);
    const first = manager.submit('error-rates', ENDLESS, { kind: 'none' }, 'error-rates');
    const second = manager.submit('error-rates', ENDLESS, { kind: 'none' }, 'error-rates');
    await waitFor(() => first.state === 'RUNNING' && second.state === 'RUNNING', { timeoutMs: BOUND_MS, what: 'both jobs to run' });

    // A directory where the state file should be: the rename of every write fails, for root too.
    rmSync(path);
    mkdirSync(path);
    const canceled: JobRecord | undefined = await manager.cancel(first.id);
    assert.equal(canceled?.state, 'CANCELED', 'the job ends as it would have, in memory');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /cannot write the job manager's state file .*jobmanager\.json \(EISDIR/);
    assert.deepEqual(readdirSync(sub), ['jobmanager.json'], 'no temporary file is left');
    assert.throws(() => manager.submit('error-rates', ENDLESS, { kind: 'none' }, 'error-rates'), StateFileError);
    assert.deepEqual(manager.list().map((r) => r.id), [first.id, second.id]);
    assert.equal(second.state, 'RUNNING', 'the other job runs on');

    rmSync(path, { recursive: true });
    // Nothing changes now: the manager's own retry writes the file.
    await waitFor(() => errors.length === 2, { timeoutMs: DEFAULTS.jobManager.stateFileRetryMs + BOUND_MS, what: 'the state file to be written again' });
    assert.equal(errors[1], undefined, 'the recovery is reported');
    assert.equal(manager.stateFileProblem, undefined);
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { jobs: JobRecord[] };
    assert.deepEqual(stored.jobs.map((j) => [j.id, j.state]), [[first.id, 'CANCELED'], [second.id, 'RUNNING']]);
    await manager.cancel(second.id);
  });
});
