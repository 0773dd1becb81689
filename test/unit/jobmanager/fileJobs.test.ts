import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../../src/testing/waitFor.js';
import { startJobManager, type JobManagerProcess } from '../../jobManagerProcess.js';
import { runCli, tempDir } from '../cli/cliHarness.js';

/** Bounds for a loaded 2-core machine; no test relies on them being reached. */
const START_BOUND_MS = 60_000;
const JOB_BOUND_MS = 120_000;

type Manager = JobManagerProcess;

/** `clickflow jobmanager --port 0` as a user starts it; no restarts, so a failure shows at once. */
function startManager(stateFile: string): Promise<Manager> {
  return startJobManager({ stateFile, args: ['--restart', 'none'], env: { CLICKFLOW_LOG_LEVEL: 'warn' } }, START_BOUND_MS);
}

/**
 * Seeded events in a file. As many URLs as events puts every record in its own key: the
 * job's last IPC messages (its points for the live page) are then as large as they get.
 */
async function events(path: string, count: number, urls: number): Promise<void> {
  const produced = await runCli(['produce', '--dry-run', '--seed', String(count), '--count', String(count), '--urls', String(urls), '--rate', '100000'], { timeoutMs: 60_000 });
  assert.equal(produced.code, 0, produced.stderr);
  writeFileSync(path, produced.stdout);
}

describe('file jobs under the job manager', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let manager: Manager;

  before(async () => {
    dir = await tempDir('jm-files');
    manager = await startManager(dir.path('state.json'));
  });

  after(async () => {
    await manager?.stop();
    await dir.remove();
  });

  // The worker used to disconnect right after queueing its last messages: a large last
  // `points` message was still being written, disconnect() dropped it and the final status
  // behind it, and the manager read a silent exit 0 as a crash (RESTARTING, then FAILED).
  for (const [count, urls] of [[5_000, 200], [20_000, 20_000], [50_000, 50_000]] as const) {
    test(`a job over ${count} events and ${urls} URLs ends FINISHED, with every record and point counted, and is not restarted`, async () => {
      const input = dir.path(`events-${count}.jsonl`);
      const output = dir.path(`out-${count}.lp`);
      await events(input, count, urls);
      const submitted = await fetch(`${manager.url}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job: 'error-rates', args: ['--from', `file:${input}`, '--to', `file:${output}`] }),
      });
      assert.equal(submitted.status, 201, await submitted.clone().text());
      const { id } = (await submitted.json()) as { id: string };
      let last: Record<string, unknown> = {};
      const job = await waitFor(
        async () => {
          last = (await (await fetch(`${manager.url}/jobs/${id}`)).json()) as Record<string, unknown>;
          return ['FINISHED', 'FAILED', 'CANCELED', 'RESTARTING'].includes(last.state as string) ? last : undefined;
        },
        { timeoutMs: JOB_BOUND_MS, stepMs: 100, what: `job ${id} to end` },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nlast status: ${JSON.stringify(last)}\n${manager.stderr()}`);
      });
      assert.equal(job.state, 'FINISHED', JSON.stringify(job));
      assert.equal(job.restarts, 0);
      assert.equal(job.lastError, null);
      assert.equal(job.recordsIn, count);
      const lines = readFileSync(output, 'utf8').split('\n').filter((line) => line !== '').length;
      assert.ok(lines > 0);
      assert.equal(job.pointsOut, lines, 'the last metrics came in too');
    });
  }
});
