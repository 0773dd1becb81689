// A baseline of `npm run bench:e2e`, run by it in a process of its own with stock kafkajs:
//   node dist/bench/bareKafkaLoop.js <count | parse | windows> <topic> <records>
// reads the topic from its start with a fresh consumer group and clickflow's fetch settings
// until it has seen <records>, and prints {"rate": records per second}, timed from connect to
// disconnect. (a) count: only counts; (b) parse: JSON.parse each value; (e) windows: what a user
// would hand-write instead of the error-rates job.
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULTS } from '../src/config/defaults.js';
import { uniqueName } from '../src/testing/uniqueName.js';

export type BareLoopKind = 'count' | 'parse' | 'windows';

/**
 * Reads `topic` from its start with a fresh group until `total` records have gone through
 * `eachBatch` (after each batch, `afterBatch` runs); resolves with the seconds from connect to
 * disconnect, as the jobs are timed from start to exit.
 */
async function readTopic(kafka: Kafka, topic: string, total: number, eachMessage: (value: Buffer) => void, afterBatch: () => void = () => {}): Promise<number> {
  const start = performance.now();
  const consumer = kafka.consumer({ groupId: uniqueName('bench-baseline'), ...DEFAULTS.kafkaFetch });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        eachMessage(message.value!);
        seen++;
      }
      afterBatch();
      if (seen >= total) finish();
    },
  });
  await done;
  await consumer.disconnect();
  return (performance.now() - start) / 1000;
}

/** (a) counts the records; (b) also JSON.parses each. */
async function bareLoop(kafka: Kafka, topic: string, total: number, parse: boolean): Promise<number> {
  let checksum = 0;
  const seconds = await readTopic(kafka, topic, total, (value) => {
    if (parse) checksum += (JSON.parse(value.toString()) as { http_status: number }).http_status;
  });
  if (parse && checksum === 0) throw new Error('nothing parsed');
  return total / seconds;
}

/**
 * (e): the loop of (b), computing what error-rates computes with Maps, as a user would write
 * it: 10 s tumbling windows by event time over all partitions at once, per URL events and
 * errors, per status events, a window closed once the highest time seen is the out-of-orderness
 * bound past its end, records for closed windows dropped as late. No sink: the closed windows
 * are only counted. Its event count is checked, so the loop cannot skip its work.
 */
async function handWrittenWindows(kafka: Kafka, topic: string, total: number): Promise<number> {
  interface Window {
    readonly urls: Map<string, { n: number; errors: number }>;
    readonly statuses: Map<number, number>;
    total: number;
  }
  const windowMs = DEFAULTS.windowMs;
  const windows = new Map<number, Window>();
  let maxTimeMs = -Infinity;
  let counted = 0;
  let late = 0;
  const close = (watermarkMs: number) => {
    for (const [startMs, window] of windows) {
      if (startMs + windowMs > watermarkMs) continue;
      counted += window.total;
      windows.delete(startMs);
    }
  };
  const count = (value: Buffer) => {
    const event = JSON.parse(value.toString()) as { url?: unknown; http_status?: unknown; event_timestamp?: unknown };
    const { url, http_status: status, event_timestamp: seconds } = event;
    if (typeof url !== 'string' || typeof status !== 'number' || typeof seconds !== 'number') return;
    const timeMs = Math.round(seconds * 1000);
    if (timeMs > maxTimeMs) maxTimeMs = timeMs;
    const startMs = timeMs - (timeMs % windowMs);
    if (startMs + windowMs <= maxTimeMs - DEFAULTS.maxOutOfOrdernessMs && !windows.has(startMs)) {
      late++;
      return;
    }
    let window = windows.get(startMs);
    if (window === undefined) windows.set(startMs, (window = { urls: new Map(), statuses: new Map(), total: 0 }));
    const error = status >= 400 ? 1 : 0;
    const counter = window.urls.get(url);
    if (counter === undefined) window.urls.set(url, { n: 1, errors: error });
    else {
      counter.n++;
      counter.errors += error;
    }
    window.statuses.set(status, (window.statuses.get(status) ?? 0) + 1);
    window.total++;
  };
  const seconds = await readTopic(kafka, topic, total, count, () => close(maxTimeMs - DEFAULTS.maxOutOfOrdernessMs));
  close(Infinity);
  if (counted + late !== total) throw new Error(`the hand-written loop counted ${counted} events and ${late} late of ${total}`);
  return total / seconds;
}

// Only ever run as a script: e2eBench imports its type alone.
const [kind, topic, records] = process.argv.slice(2);
const total = Number(records);
if (!(kind === 'count' || kind === 'parse' || kind === 'windows') || topic === undefined || !(total > 0)) {
  throw new Error('usage: bareKafkaLoop.js <count | parse | windows> <topic> <records>');
}
const kafka = new Kafka({ clientId: 'bench-baseline', brokers: [process.env.KAFKA_BROKERS!], logLevel: logLevel.NOTHING });
const rate = kind === 'windows' ? await handWrittenWindows(kafka, topic, total) : await bareLoop(kafka, topic, total, kind === 'parse');
process.stdout.write(JSON.stringify({ rate }));
