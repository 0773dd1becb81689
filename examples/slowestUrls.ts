// A job of your own, run over a JSON-lines file: the slowest request per URL per minute.
//   npm run build && node dist/examples/slowestUrls.js samples/clickstream.jsonl
import { escape } from '@influxdata/influxdb-client';
import { map, pipe } from 'rxjs';
import {
  fileSource,
  jobOutputOf,
  keyedBy,
  max,
  parseRecords,
  runJob,
  TumblingWindows,
  validateClickEvent,
  windowAggregate,
  WritableLineSink,
  type ClickEvent,
  type Job,
} from '../src/index.js';

export const slowestUrlsJob: Job = {
  name: 'slowest-urls',
  description: 'highest latency per URL per minute',
  pipeline: (options, context) =>
    pipe(
      parseRecords<ClickEvent>({ validate: validateClickEvent, onInvalid: context.onInvalid }),
      windowAggregate({
        windows: TumblingWindows.of(60_000),
        eventTimeOf: (e: ClickEvent) => e.eventTimeMs,
        maxOutOfOrdernessMs: options.maxOutOfOrdernessMs,
        allowedLatenessMs: options.allowedLatenessMs,
        aggregate: keyedBy((e: ClickEvent) => e.url, max((e: ClickEvent) => e.latency_ms ?? 0)),
        onLate: context.onLate,
      }),
      map((batch) =>
        jobOutputOf(
          batch,
          batch.results.flatMap((window) =>
            [...window.value].map(([url, ms]) => `slowest,url=${escape.tag(url)} latency_ms=${ms} ${window.startMs}000000`),
          ),
        ),
      ),
    ),
};

if (process.argv[2] !== undefined) {
  const metrics = await runJob({
    job: slowestUrlsJob,
    windowing: { windowMs: 60_000, maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 0 },
    source: { batches: fileSource({ path: process.argv[2] }) },
    sink: new WritableLineSink('stdout'),
  });
  process.stderr.write(`${metrics.recordsIn} records, ${metrics.invalidRecords} invalid, ${metrics.pointsOut} points\n`);
}
