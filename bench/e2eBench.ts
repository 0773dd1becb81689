// npm run bench:e2e — over one topic of pre-produced events (3 partitions), in one run:
// (a) a bare kafkajs eachBatch loop that only counts, (b) the same loop with JSON.parse,
// (c) the error-rates job from Kafka to InfluxDB with --bounded. Each reads with a fresh
// consumer group and the same fetch settings as clickflow's source.
import { Kafka, logLevel } from 'kafkajs';
import { runRun } from '../src/cli/commands/runCommand.js';
import { DEFAULTS } from '../src/config/defaults.js';
import { uniqueName } from '../src/testing/uniqueName.js';
import { benchServices } from './benchServices.js';
import { benchGenerator } from './benchEvents.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000_000);
const services = await benchServices();
const env = services.env;
const brokers = env.KAFKA_BROKERS!;
const kafka = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING });
const topic = uniqueName('bench-e2e');
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

console.log(`e2e benchmark: producing ${EVENTS} events to ${topic}…`);
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const generator = benchGenerator();
for (let left = EVENTS; left > 0; left -= 2_000) {
  const messages = Array.from({ length: Math.min(2_000, left) }, () => generator.next());
  await producer.send({ topic, acks: -1, messages });
}
await producer.disconnect();

async function bareLoop(parse: boolean): Promise<number> {
  const consumer = kafka.consumer({
    groupId: uniqueName('bench-bare'),
    ...DEFAULTS.kafkaFetch,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let checksum = 0;
  const start = performance.now();
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        if (parse) checksum += (JSON.parse(message.value!.toString()) as { http_status: number }).http_status;
        seen++;
      }
      if (seen >= EVENTS) finish();
    },
  });
  await done;
  const seconds = (performance.now() - start) / 1000;
  await consumer.disconnect();
  if (parse && checksum === 0) throw new Error('nothing parsed');
  return EVENTS / seconds;
}

async function job(): Promise<{ rate: number; pointsPerSec: number }> {
  const start = performance.now();
  const metrics = await runRun({
    job: 'error-rates',
    from: { kind: 'kafka' },
    to: { kind: 'influx' },
    brokers,
    topic,
    group: uniqueName('bench-job'),
    bounded: true,
    influxUrl: env.INFLUX_URL,
    influxOrg: env.INFLUX_ORG,
    influxBucket: env.INFLUX_BUCKET,
    influxToken: env.INFLUX_TOKEN,
    quiet: true,
  });
  const seconds = (performance.now() - start) / 1000;
  if (metrics.recordsIn !== EVENTS) throw new Error(`the job read ${metrics.recordsIn} of ${EVENTS} records`);
  return { rate: EVENTS / seconds, pointsPerSec: metrics.pointsOut / seconds };
}

const a = await bareLoop(false);
const b = await bareLoop(true);
const c = await job();
const k = (n: number) => `${Math.round(n / 1000)}k/s`;
console.log('(a) bare eachBatch count       %s', k(a));
console.log('(b) bare eachBatch + JSON.parse %s', k(b));
console.log('(c) error-rates kafka→influx    %s   (%s points/s written)', k(c.rate), k(c.pointsPerSec));
console.log('c/a %s%%   c/b %s%%   goal: c >= 80%% of b', ((c.rate / a) * 100).toFixed(0), ((c.rate / b) * 100).toFixed(0));
await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
await admin.disconnect();
await services.stop();
