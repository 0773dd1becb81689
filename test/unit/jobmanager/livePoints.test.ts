import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveHub } from '../../../src/jobmanager/LiveHub.js';
import { LivePoints } from '../../../src/jobmanager/LivePoints.js';
import { LivePointsForwarder } from '../../../src/jobmanager/LivePointsForwarder.js';
import { EMPTY_METRICS, type JobRecord } from '../../../src/jobmanager/ManagedJob.js';
import type { FromWorker } from '../../../src/jobmanager/WorkerMessage.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { Point } from '../../../src/points/Point.js';
import type { PointData } from '../../../src/points/PointData.js';

/** One error_rates point of a window of a partition, as the error-rates job writes it. */
function errorRates(partition: number, startMs: number, total: number, errors: number): PointData {
  return new Point('error_rates', startMs)
    .tag('partition', String(partition))
    .intField('total', total)
    .intField('errors', errors)
    .intField('client_errors', 0)
    .intField('server_errors', errors)
    .floatField('rate', errors / total)
    .toJSON();
}

function record(id: string, state: JobRecord['state'] = 'RUNNING'): JobRecord {
  return { id, job: 'error-rates', name: 'error-rates', args: [], restart: { kind: 'none' }, state, submittedAt: new Date(0).toISOString(), restarts: 0, metrics: EMPTY_METRICS };
}

describe('LivePoints', () => {
  test('a window fired again replaces its points (same partition and window start); other partitions and windows stay', () => {
    const live = new LivePoints();
    live.upsert([errorRates(0, 10_000, 100, 5), errorRates(1, 10_000, 80, 2), errorRates(0, 20_000, 90, 9)]);
    const refired = errorRates(0, 10_000, 101, 6);
    assert.deepEqual(live.upsert([refired]), [refired]);
    const all = live.all();
    assert.equal(all.length, 3);
    const window0 = all.filter((p) => p.timeMs === 10_000 && p.tags.partition === '0');
    assert.deepEqual(window0, [refired], 'only the re-fired point of partition 0, window 10 s');
    assert.equal(all.find((p) => p.timeMs === 10_000 && p.tags.partition === '1')?.fields.total, 80);
    assert.equal(all.find((p) => p.timeMs === 20_000)?.fields.total, 90);
  });

  test('keeps the newest window starts of each measurement, and always the newest one', () => {
    const live = new LivePoints({ windowsKept: 3, maxPointsPerMeasurement: 1_000 });
    for (let w = 0; w < 10; w++) live.upsert([errorRates(0, w * 1_000, 10, 1), errorRates(1, w * 1_000, 10, 1)]);
    assert.deepEqual([...new Set(live.all().map((p) => p.timeMs))], [7_000, 8_000, 9_000]);
    // A point older than every window kept is not kept, and not reported as kept.
    assert.deepEqual(live.upsert([errorRates(0, 1_000, 10, 1)]), []);
    const few = new LivePoints({ windowsKept: 100, maxPointsPerMeasurement: 2 });
    few.upsert([errorRates(0, 5_000, 1, 0), errorRates(1, 5_000, 1, 0), errorRates(2, 5_000, 1, 0)]);
    assert.equal(few.all().length, 3, 'the newest window stays whole, even beyond the point limit');
    few.upsert([errorRates(0, 6_000, 1, 0)]);
    assert.deepEqual(few.all().map((p) => p.timeMs), [6_000], 'the older window goes once the limit is passed');
  });
});

describe('LiveHub', () => {
  test('fans points out to every page; a page that connects later gets the re-fired window, not the first firing', () => {
    const jobs = [record('a'), record('b')];
    const hub = new LiveHub(() => jobs);
    const first: [string, unknown][] = [];
    const unsubscribe = hub.subscribe((event, json) => first.push([event, JSON.parse(json)]));
    assert.equal(first[0]![0], 'snapshot');
    assert.deepEqual((first[0]![1] as { jobs: { id: string }[] }).jobs.map((j) => j.id), ['a', 'b']);

    hub.points(jobs[0]!, [errorRates(0, 10_000, 100, 5), errorRates(0, 20_000, 100, 50)], 0);
    hub.points(jobs[0]!, [errorRates(0, 10_000, 120, 6)], 0);
    hub.points(jobs[1]!, [errorRates(2, 10_000, 7, 7)], 3);
    const pointEvents = first.filter(([event]) => event === 'points').map(([, data]) => data as { job: string; points: PointData[]; dropped: number });
    assert.deepEqual(pointEvents.map((e) => [e.job, e.points.length, e.dropped]), [['a', 2, 0], ['a', 1, 0], ['b', 1, 3]]);

    const later: [string, unknown][] = [];
    hub.subscribe((event, json) => later.push([event, JSON.parse(json)]));
    const snapshot = later[0]![1] as { live: Record<string, { points: PointData[]; dropped: number }> };
    const ofA = snapshot.live.a!.points.filter((p) => p.timeMs === 10_000);
    assert.deepEqual(ofA.map((p) => p.fields.total), [120], 'the re-fired window replaced the first firing');
    assert.equal(snapshot.live.a!.points.length, 2);
    assert.equal(snapshot.live.b!.dropped, 3);

    unsubscribe();
    hub.points(jobs[0]!, [errorRates(0, 30_000, 1, 0)], 0);
    assert.equal(first.filter(([event]) => event === 'points').length, 3, 'an unsubscribed page gets nothing more');
    assert.equal(later.filter(([event]) => event === 'points').length, 1);
  });

  test('metrics become samples with the watermark lag; a job that ends loses its live data and every page gets the new list', () => {
    const jobs = [record('a')];
    const hub = new LiveHub(() => jobs);
    const events: [string, unknown][] = [];
    hub.subscribe((event, json) => events.push([event, JSON.parse(json)]));
    const before = Date.now();
    hub.metrics(jobs[0]!, { ...EMPTY_METRICS, recordsIn: 10, lateRecords: 2, invalidByReason: { not_json: 1, bad_url: 2 }, watermarksMs: { '0': before - 5_000 } });
    const sample = (events.at(-1)![1] as { sample: { recordsIn: number; lateRecords: number; invalidRecords: number; watermarkLagSeconds: Record<string, number> } }).sample;
    assert.equal(sample.recordsIn, 10);
    assert.equal(sample.lateRecords, 2);
    assert.equal(sample.invalidRecords, 3);
    assert.ok(sample.watermarkLagSeconds['0']! >= 5 && sample.watermarkLagSeconds['0']! < 6, `lag ${sample.watermarkLagSeconds['0']}`);
    jobs[0]!.state = 'CANCELED';
    hub.changed(jobs[0]!);
    assert.equal(events.at(-1)![0], 'jobs');
    assert.equal((events.at(-1)![1] as { state: string }[])[0]!.state, 'CANCELED');
    const fresh: [string, unknown][] = [];
    hub.subscribe((event, json) => fresh.push([event, JSON.parse(json)]));
    assert.deepEqual((fresh[0]![1] as { live: object }).live, {});
  });
});

describe('LivePointsForwarder', () => {
  test('sends the points taken since the last send as plain data in one message, and counts what is too many as dropped', () => {
    const sent: FromWorker[] = [];
    const forwarder = new LivePointsForwarder((message) => sent.push(message));
    forwarder.flush();
    assert.equal(sent.length, 0, 'nothing taken, nothing sent');
    const a = new Point('error_rates', 1_000).tag('partition', '0').intField('total', 3);
    const b = new Point('url_counts', 1_000).tag('partition', '0').tag('url', 'home').intField('count', 3);
    forwarder.take([a]);
    forwarder.take([b]);
    forwarder.flush();
    assert.deepEqual(sent, [{ type: 'points', points: [a.toJSON(), b.toJSON()], dropped: 0 }]);
    const max = DEFAULTS.jobManager.live.maxPointsPerSend;
    forwarder.take(new Array<Point>(max).fill(a));
    forwarder.take([b, b]);
    forwarder.flush(true);
    const last = sent.at(-1) as Extract<FromWorker, { type: 'points' }>;
    assert.equal(last.points.length, max);
    assert.equal(last.dropped, 2);
  });
});
