import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Point } from '../../../src/points/Point.js';
import type { ConnectorContext } from '../../../src/runtime/Connector.js';
import { observedSink } from '../../../src/runtime/observedSink.js';
import { connector, CountingPointSink, RecordingPointSink } from './fakes.js';

const point = (n: number) => new Point('m', n).intField('n', n);

describe('observedSink', () => {
  test('hands each non-empty batch to the observer before the sink, and keeps the sink resumable', async () => {
    const inner = new CountingPointSink(7);
    const seen: number[] = [];
    const sink = await observedSink(connector('file', inner), (points) => seen.push(points.length)).open({} as ConnectorContext);
    assert.equal(sink.resumeKey, 'file:/out.lp', 'a file output under a job manager still records its length at commits');
    assert.equal(sink.bytesWritten, 7);
    sink.write([point(1), point(2)]);
    sink.write([]);
    assert.deepEqual(seen, [2]);
    assert.equal(inner.points.length, 2);
    assert.equal(sink.bytesWritten, 27, 'read live, at each commit');
  });

  test('a sink that cannot resume stays one', async () => {
    const sink = await observedSink(connector('stdout', new RecordingPointSink()), () => {}).open({} as ConnectorContext);
    assert.equal(sink.resumeKey, undefined);
    assert.equal(sink.bytesWritten, undefined);
  });
});
