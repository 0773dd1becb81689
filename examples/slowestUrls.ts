// A job of your own: the slowest request per URL per minute. Build, then run it like a
// shipped job: `npm run build && npx clickflow run ./dist/examples/slowestUrls.js --from file:samples/clickstream.jsonl`.
// 'clickflow' is this checkout here (tsconfig's paths; at run time, package.json's exports), as it is
// the installed package in a project of your own.
import { clickEvents, job, max, TumblingEventTimeWindows } from 'clickflow';

export default job('slowest-urls', 'highest latency per URL per minute')
  .from(clickEvents())
  .filter((e) => e.latency_ms !== undefined)
  .keyBy((e) => e.url)
  .window(TumblingEventTimeWindows.of('1m'))
  .aggregate(max((e) => e.latency_ms!))
  .toPoints((w, point) => point('slowest').tag('url', w.key).floatField('latency_ms', w.value));
