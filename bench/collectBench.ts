// npm run bench:collect — `clickflow collect` (validation, acks: -1 into the real Kafka) against
// a bare node:http server that only JSON.parses the body, both as child processes, driven by
// the same load from this process in alternating rounds: (1) events/s accepted at 50 events a
// request with CONCURRENCY requests in flight, (2) p99 latency at half the collector's rate,
// sent on a fixed schedule (latency counted from the scheduled time, so a stall is not hidden).
// It also prints the ceiling Kafka sets: a bare kafkajs loop sending the same events, already
// serialised, in batches of CONCURRENCY × 50 with the collector's settings (idempotent, acks: -1).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { uniqueName } from '../src/testing/uniqueName.js';
import { benchServices } from './benchServices.js';
import { benchSetting } from './benchSetting.js';
import { median } from './median.js';

const EVENTS_PER_REQUEST = 50;
const CONCURRENCY = benchSetting('BENCH_CONCURRENCY', 32);
const PHASE_MS = benchSetting('BENCH_PHASE_MS', 8_000);
const ROUNDS = benchSetting('BENCH_ROUNDS', 3);

const services = await benchServices();
const brokers = services.env.KAFKA_BROKERS!;

// Bodies as a tracker sends them: 50 events of 20 users, each with an event_id.
const bodies: Buffer[] = Array.from({ length: 200 }, (_, b) =>
  Buffer.from(
    JSON.stringify(
      Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => ({
        event_id: randomUUID(),
        user_id: `user-${(b * EVENTS_PER_REQUEST + i) % 20}`,
        session_id: `session-${b % 20}`,
        url: `/shop/product/${i % 40}`,
        http_status: i % 25 === 0 ? 404 : 200,
        event_timestamp: Date.now() / 1000,
        referrer: 'https://shop.example/',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
      })),
    ),
  ),
);

/** Starts a server process and resolves with its URL, read from its first line. */
function startServer(args: string[], pattern: RegExp): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CLICKFLOW_LOG_LEVEL: 'warn' } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const url = pattern.exec(out)?.[1];
      if (url !== undefined) resolve({ url, child });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 4 });
let next = 0;
/** One POST; resolves with the status. */
function post(url: URL): Promise<number> {
  const body = bodies[next++ % bodies.length]!;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Events per second accepted with CONCURRENCY requests in flight for PHASE_MS. */
async function throughput(url: URL): Promise<number> {
  let accepted = 0;
  const endMs = performance.now() + PHASE_MS;
  const startMs = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < endMs) {
        const status = await post(url);
        if (status !== 202) throw new Error(`${url.href} answered ${status}`);
        accepted += EVENTS_PER_REQUEST;
      }
    }),
  );
  return accepted / ((performance.now() - startMs) / 1000);
}

/** The 99th percentile of latency, in ms, at `eventsPerSecond` sent on a fixed schedule. */
async function latencyP99(url: URL, eventsPerSecond: number): Promise<number> {
  const requestsPerSecond = eventsPerSecond / EVENTS_PER_REQUEST;
  const count = Math.max(100, Math.round((requestsPerSecond * PHASE_MS) / 1000));
  const latencies: number[] = [];
  const startMs = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const dueMs = startMs + (i * 1000) / requestsPerSecond;
    const waitMs = dueMs - performance.now();
    if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
    pending.push(
      post(url).then((status) => {
        if (status !== 202) throw new Error(`${url.href} answered ${status}`);
        latencies.push(performance.now() - dueMs);
      }),
    );
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return latencies[Math.ceil(latencies.length * 0.99) - 1]!;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const collector = await startServer(
  [`${root}bin/clickflow.js`, 'collect', '--port', '0', '--brokers', brokers, '--topic', uniqueName('bench-collect'), '--rate-limit', '1000000000'],
  /collector at (http:\/\/\S+)\/v1\/events/,
);
const bare = await startServer([fileURLToPath(new URL('bareCollectServer.js', import.meta.url))], /bare at (http:\/\/\S+)/);
const collectorUrl = new URL(`${collector.url}/v1/events`);
const bareUrl = new URL(`${bare.url}/v1/events`);
// Warm-up: connections, JIT, the producer's connection and the topic's creation.
await throughput(collectorUrl);
await throughput(bareUrl);

const rows: { collector: number; bare: number; collectorP99: number; bareP99: number; rate: number }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const collectorRate = await throughput(collectorUrl);
  const bareRate = await throughput(bareUrl);
  const rate = collectorRate / 2;
  const collectorP99 = await latencyP99(collectorUrl, rate);
  const bareP99 = await latencyP99(bareUrl, rate);
  rows.push({ collector: collectorRate, bare: bareRate, collectorP99, bareP99, rate });
  process.stdout.write(
    `round ${round + 1}: collector ${Math.round(collectorRate)} events/s, bare ${Math.round(bareRate)} events/s (${((100 * collectorRate) / bareRate).toFixed(0)} %); ` +
      `p99 at ${Math.round(rate)} events/s: collector ${collectorP99.toFixed(1)} ms, bare ${bareP99.toFixed(1)} ms\n`,
  );
}
/** Events per second of a bare idempotent kafkajs producer, one request in flight, for PHASE_MS. */
async function kafkaCeiling(): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-ceiling', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('bench-ceiling');
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const events = bodies.flatMap((body) => (JSON.parse(body.toString()) as { user_id: string }[]).map((e) => ({ key: e.user_id, value: JSON.stringify(e) })));
  const batch = events.slice(0, CONCURRENCY * EVENTS_PER_REQUEST);
  let sent = 0;
  const startMs = performance.now();
  while (performance.now() - startMs < PHASE_MS) {
    await producer.send({ topic, acks: -1, messages: batch });
    sent += batch.length;
  }
  const rate = sent / ((performance.now() - startMs) / 1000);
  await producer.disconnect();
  return rate;
}
const ceiling = await kafkaCeiling();
process.stdout.write(`bare kafkajs producer, batches of ${CONCURRENCY * EVENTS_PER_REQUEST}: ${Math.round(ceiling)} events/s\n`);

const ratio = median(rows.map((r) => r.collector / r.bare));
process.stdout.write(
  `\nbench:collect (${EVENTS_PER_REQUEST} events a request, ${CONCURRENCY} in flight): collector/bare ${(100 * ratio).toFixed(0)} % of events/s ` +
    `(collector ${Math.round(median(rows.map((r) => r.collector)))}/s, bare ${Math.round(median(rows.map((r) => r.bare)))}/s); ` +
    `p99 at half the collector's rate: collector ${median(rows.map((r) => r.collectorP99)).toFixed(1)} ms, bare ${median(rows.map((r) => r.bareP99)).toFixed(1)} ms; goal >= 70 %; ` +
    `collector/bare kafkajs producer ${((100 * median(rows.map((r) => r.collector))) / ceiling).toFixed(0)} %\n`,
);
agent.destroy();
await Promise.all([stop(collector.child), stop(bare.child)]);
await services.stop();
