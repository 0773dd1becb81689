// A job with two outputs: each user's sessions as JSON lines, and the pages of the sessions
// that ended in each minute as points. Its keyBy moves records between partitions: in one
// process over a file, stdin or the generator, through internal topics from Kafka:
// `npm run build && npx clickflow run ./dist/examples/userVisits.js --from file:samples/clickstream.jsonl
// --output sessions=file:/tmp/sessions.jsonl` (or `--from kafka`).
// 'clickflow' is this checkout here (tsconfig's paths; at run time, package.json's exports), as it is
// the installed package in a project of your own.
import { clickEvents, count, EventTimeSessionWindows, job, sum, TumblingEventTimeWindows } from 'clickflow';

const visits = job('visits', 'sessions per user, and sessions per minute');
const sessions = visits
  .from(clickEvents())
  .keyBy((e) => e.user_id) // moves records: a user's pages meet
  .window(EventTimeSessionWindows.withGap('30m'))
  .aggregate(count());
sessions.toRecords('sessions', (s) => ({ user: s.key, pages: s.value }));
sessions
  .keyBy(() => 'all') // every session to one partition
  .window(TumblingEventTimeWindows.of('1m'))
  .aggregate(sum((s) => s.value))
  .toPoints((w, point) => point('visits').intField('pages', w.value));
export default visits;
