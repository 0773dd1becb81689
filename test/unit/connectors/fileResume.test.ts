import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileDeadLetters } from '../../../src/connectors/file/fileDeadLetterConnector.js';
import { fileLateOutput } from '../../../src/connectors/file/fileLateOutputConnector.js';
import { fileSink } from '../../../src/connectors/file/fileSinkConnector.js';
import { fileResumeKey, WritableLineSink } from '../../../src/connectors/file/WritableLineSink.js';
import { Point } from '../../../src/points/Point.js';
import { BackpressureGate } from '../../../src/runtime/BackpressureGate.js';
import type { ConnectorContext } from '../../../src/runtime/Connector.js';
import { JobMetrics } from '../../../src/runtime/JobMetrics.js';

const dir = mkdtempSync(join(tmpdir(), 'clickflow-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A connector context as the runtime gives it to outputs, resuming with `outputBytes` when given. */
function context(outputBytes?: Record<string, number>): ConnectorContext {
  return {
    jobName: 'test',
    gate: new BackpressureGate(),
    report: () => undefined,
    metrics: new JobMetrics(),
    resume: outputBytes === undefined ? undefined : { committedAtMs: 0, outputBytes: new Map(Object.entries(outputBytes)) },
  };
}

describe('file outputs resume at their committed length', () => {
  test('WritableLineSink counts the UTF-8 bytes it writes, from the length it resumed at', async () => {
    const path = join(dir, 'count.lp');
    await writeFile(path, 'kept\n');
    const sink = new WritableLineSink({ path, resumeAtBytes: 5 });
    assert.equal(sink.resumeKey, fileResumeKey(path));
    assert.equal(sink.bytesWritten, 5);
    sink.write(['é 1', 'b 2']);
    assert.equal(sink.bytesWritten, 5 + Buffer.byteLength('é 1\nb 2\n'));
    await sink.close();
    assert.equal(await readFile(path, 'utf8'), 'kept\né 1\nb 2\n');
    assert.equal(sink.bytesWritten, (await readFile(path)).length);
  });

  test('stdout has no resume key: it cannot be cut back', () => {
    assert.equal(new WritableLineSink('stdout').resumeKey, undefined);
  });

  test('--to, --dead-letter and --late-output files are cut back to the length of the last commit, then continued', async () => {
    const [points, dead, late] = ['points.lp', 'dead.jsonl', 'late.jsonl'].map((name) => join(dir, name));
    await writeFile(points, 'committed 1\nafter the commit 2\n');
    await writeFile(dead, '{"committed":true}\n{"after":true}\n');
    await writeFile(late, '{"late":1}\n{"late":2}\n');
    const resumed = context({
      [fileResumeKey(points)]: 'committed 1\n'.length,
      [fileResumeKey(dead)]: '{"committed":true}\n'.length,
      [fileResumeKey(late)]: 0,
    });
    const pointSink = await fileSink(points).open(resumed);
    const deadSink = await fileDeadLetters(dead).open(resumed);
    const lateSink = await fileLateOutput(late).open(resumed);
    pointSink.write([new Point('m', 1_000).intField('v', 3)]);
    deadSink.write({ raw: 'x', reason: 'not_json', detail: 'd', partition: 0, position: 9 });
    lateSink.write(['{"late":3}']);
    assert.equal(pointSink.bytesWritten, 'committed 1\nm v=3i 1000000000\n'.length);
    await Promise.all([pointSink.close(), deadSink.close(), lateSink.close()]);
    assert.equal(await readFile(points, 'utf8'), 'committed 1\nm v=3i 1000000000\n');
    assert.equal(await readFile(dead, 'utf8'), '{"committed":true}\n{"reason":"not_json","detail":"d","partition":0,"position":9,"raw":"x"}\n');
    assert.equal(await readFile(late, 'utf8'), '{"late":3}\n');
  });

  test('without a commit for the file it starts empty, as before', async () => {
    const path = join(dir, 'fresh.lp');
    await writeFile(path, 'old\n');
    const sink = await fileSink(path).open(context({ [fileResumeKey(join(dir, 'other.lp'))]: 3 }));
    await sink.close();
    assert.equal(await readFile(path, 'utf8'), '');
  });

  test('a file shorter than its committed length (or gone) stops the job with what to do, and is left as it is', async () => {
    const path = join(dir, 'short.lp');
    await writeFile(path, 'abc\n');
    await assert.rejects(fileSink(path, '--to').open(context({ [fileResumeKey(path)]: 100 })), (error: Error) => {
      assert.match(error.message, /^--to: .*short\.lp has 4 bytes, but it had 100 bytes when the consumer group last committed; .*new --group/);
      return true;
    });
    assert.equal(await readFile(path, 'utf8'), 'abc\n');
    await assert.rejects(fileLateOutput(join(dir, 'gone.jsonl')).open(context({ [fileResumeKey(join(dir, 'gone.jsonl'))]: 1 })), /gone\.jsonl is missing/);
  });
});
