// npm run bench:produce — `clickflow produce` against a bare kafkajs loop that sends
// pre-serialised messages in batches of the same size, to the same broker, in the same run.
import { Kafka, logLevel, type Message } from 'kafkajs';
import { DEFAULTS } from '../src/config/defaults.js';
import { runProduce } from '../src/cli/commands/produceCommand.js';
import { ClickstreamGenerator } from '../src/producer/ClickstreamGenerator.js';
import { uniqueName } from '../src/testing/uniqueName.js';
import { benchServices } from './benchServices.js';
import { benchSetting } from './benchSetting.js';
import { median } from './median.js';

const EVENTS = benchSetting('BENCH_EVENTS', 500_000);
const BATCH = DEFAULTS.producer.batchSize;
const ROUNDS = 3;

const services = await benchServices();
const brokers = services.env.KAFKA_BROKERS!;
const kafka = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

const generator = new ClickstreamGenerator({
  seed: 1, urls: 200, users: 1_000, errorRate: 0.05, startTimeMs: 0, eventsPerSecond: 1_000, bursts: [], outOfOrderMs: 0, invalidFraction: 0,
});
const prepared: Message[][] = [];
for (let left = EVENTS; left > 0; left -= BATCH) {
  prepared.push(Array.from({ length: Math.min(BATCH, left) }, () => generator.next()));
}

async function topic(): Promise<string> {
  const name = uniqueName('bench-produce');
  await admin.createTopics({ topics: [{ topic: name, numPartitions: 3 }], waitForLeaders: true });
  return name;
}

async function bareLoop(): Promise<number> {
  const name = await topic();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const start = performance.now();
  for (const messages of prepared) await producer.send({ topic: name, acks: -1, messages });
  const seconds = (performance.now() - start) / 1000;
  await producer.disconnect();
  return EVENTS / seconds;
}

async function clickflowProduce(): Promise<number> {
  const name = await topic();
  const start = performance.now();
  await runProduce({
    brokers, topic: name, partitions: 3, count: EVENTS, urls: 200, users: 1_000, errorRate: 0.05, seed: 1,
    bursts: [], outOfOrderMs: 0, invalidFraction: 0, dryRun: false, batchSize: BATCH,
  });
  return EVENTS / ((performance.now() - start) / 1000);
}

const bare: number[] = [];
const ours: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  bare.push(await bareLoop());
  ours.push(await clickflowProduce());
}
console.log(`produce benchmark: ${EVENTS} events, batches of ${BATCH}, 3 partitions, acks -1, idempotent, median of ${ROUNDS}`);
console.log(
  'bare kafkajs loop %s/s   clickflow produce %s/s   ratio %s%%   goal: >= 80%%',
  Math.round(median(bare)),
  Math.round(median(ours)),
  ((median(ours) / median(bare)) * 100).toFixed(0),
);
await admin.disconnect();
await services.stop();
