import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../../src/testing/waitFor.js';
import { killJobManagers, startJobManager, type JobManagerProcess } from '../../jobManagerProcess.js';
import { tempDir } from '../cli/cliHarness.js';

/** Bounds for a loaded 2-core machine; no test relies on them being reached. */
const START_BOUND_MS = 60_000;
const JOB_BOUND_MS = 120_000;
const SAMPLE = fileURLToPath(new URL('../../../../samples/clickstream.jsonl', import.meta.url));

type Manager = JobManagerProcess;
type Reply = { status: number; body: Record<string, any> };

function startManager(stateFile: string): Promise<Manager> {
  return startJobManager({ stateFile, args: ['--restart', 'none'], env: { CLICKFLOW_LOG_LEVEL: 'warn' } }, START_BOUND_MS);
}

async function post(manager: Manager, body: unknown): Promise<Reply> {
  const response = await fetch(`${manager.url}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function jobEnds(manager: Manager, id: string, states: readonly string[]): Promise<Record<string, any>> {
  let last: Record<string, any> = {};
  return waitFor(
    async () => {
      last = (await (await fetch(`${manager.url}/jobs/${id}`)).json()) as Record<string, any>;
      return states.includes(last.state as string) ? last : undefined;
    },
    { timeoutMs: JOB_BOUND_MS, stepMs: 100, what: `job ${id} to reach ${states.join(' or ')}` },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nlast status: ${JSON.stringify(last)}\n${manager.stderr()}`);
  });
}

/** Line protocol without job_health, whose watermark lag is measured against the wall clock. */
const results = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('job_health'));

describe('the job manager takes a typed JSON spec beside run flags', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let manager: Manager;

  before(async () => {
    dir = await tempDir('jm-spec');
    manager = await startManager(dir.path('state.json'));
  });

  after(async () => {
    await manager?.stop();
    killJobManagers();
    await dir.remove();
  });

  test('a spec runs as the same job submitted as flags does, and is shown and kept as the spec', async () => {
    const bySpec = await post(manager, {
      spec: { job: 'error-rates', source: { kind: 'file', path: SAMPLE }, sink: { kind: 'file', path: dir.path('spec.lp') }, parameters: { windowMs: 20_000 } },
    });
    assert.equal(bySpec.status, 201, JSON.stringify(bySpec.body));
    assert.equal(bySpec.body.args, null);
    assert.deepEqual(bySpec.body.spec.source, { kind: 'file', path: SAMPLE });
    const byFlags = await post(manager, { job: 'error-rates', args: ['--from', `file:${SAMPLE}`, '--to', `file:${dir.path('flags.lp')}`, '--window', '20s'] });
    assert.equal(byFlags.status, 201, JSON.stringify(byFlags.body));
    assert.equal(byFlags.body.spec, null);

    const [specJob, flagsJob] = await Promise.all([jobEnds(manager, bySpec.body.id, ['FINISHED', 'FAILED', 'CANCELED']), jobEnds(manager, byFlags.body.id, ['FINISHED', 'FAILED', 'CANCELED'])]);
    assert.equal(specJob.state, 'FINISHED', JSON.stringify(specJob));
    assert.equal(flagsJob.state, 'FINISHED', JSON.stringify(flagsJob));
    assert.equal(specJob.recordsIn, 3_000);
    assert.ok(specJob.pointsOut > 0);
    assert.deepEqual(results(dir.path('spec.lp')), results(dir.path('flags.lp')));

    const stored = (JSON.parse(readFileSync(dir.path('state.json'), 'utf8')) as { jobs: Record<string, any>[] }).jobs;
    const record = stored.find((job) => job.id === bySpec.body.id)!;
    assert.equal(record.args, undefined, 'a spec submission is kept as its spec');
    assert.equal(record.spec.sink.path, dir.path('spec.lp'));
    assert.deepEqual(stored.find((job) => job.id === byFlags.body.id)!.args, ['--from', `file:${SAMPLE}`, '--to', `file:${dir.path('flags.lp')}`, '--window', '20s'], 'a flag submission is kept as its flags');
  });

  test('a bad spec is a 400 naming the field and what to do, and never becomes a job', async () => {
    const before = ((await (await fetch(`${manager.url}/jobs`)).json()) as { jobs: unknown[] }).jobs.length;
    const base = { job: 'error-rates', source: { kind: 'file', path: SAMPLE }, sink: { kind: 'none' } };
    const refusals: [unknown, RegExp][] = [
      [{ spec: { ...base, source: { kind: 'kafak' } } }, /^spec\.source\.kind: is the string "kafak"; give one of "kafka", "file", "stdin", "generator"$/],
      [{ spec: { ...base, sink: undefined } }, /^spec\.sink: is missing; give where points go/],
      [{ spec: { ...base, windowMs: 60_000 } }, /^spec\.windowMs: is not a field here; the fields are job, source, sink/],
      [{ spec: { ...base, sink: { kind: 'stdout' } } }, /^spec\.sink: a job manager's jobs have no terminal/],
      [{ spec: { ...base, source: { kind: 'file', path: 'relative.jsonl' } } }, /^spec\.source: relative\.jsonl is relative, and the manager runs in a directory of its own/],
      [{ spec: { ...base, source: { kind: 'file', path: dir.path('missing.jsonl') } } }, /^spec\.source: cannot read .*missing\.jsonl/],
      [{ spec: { ...base, job: 'nojob' } }, /^job: .*nojob/],
      [{ spec: { ...base, parameters: { windowMs: 10_000, slideMs: 20_000 } } }, /slide/],
      [{ spec: base, job: 'error-rates', args: [] }, /^give either "spec" or "job" with "args", not both/],
    ];
    for (const [body, message] of refusals) {
      const reply = await post(manager, body);
      assert.equal(reply.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`);
      assert.match(String(reply.body.error), message);
    }
    assert.equal(((await (await fetch(`${manager.url}/jobs`)).json()) as { jobs: unknown[] }).jobs.length, before);
  });

  test('a restarted manager loads spec jobs from its state file; one that does not read Kafka is not resumed and says why', async () => {
    const endless = await post(manager, { spec: { job: 'error-rates', source: { kind: 'generator', ratePerSecond: 20 }, sink: { kind: 'none' } } });
    assert.equal(endless.status, 201, JSON.stringify(endless.body));
    await jobEnds(manager, endless.body.id, ['RUNNING']);
    assert.equal(await manager.stop(), 0, manager.stderr());
    manager = await startManager(dir.path('state.json'));
    const job = await jobEnds(manager, endless.body.id, ['CANCELED', 'FAILED']);
    assert.equal(job.state, 'CANCELED');
    assert.equal(job.lastError.name, 'NotResumed');
    assert.deepEqual(job.spec.source, { kind: 'generator', ratePerSecond: 20 });
    const listed = ((await (await fetch(`${manager.url}/jobs`)).json()) as { jobs: Record<string, any>[] }).jobs;
    assert.equal(listed.length, 3, 'the earlier jobs are listed as history');
  });
});
