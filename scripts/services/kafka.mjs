import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { freePort } from './freePort.mjs';
import { runInstall } from './runInstall.mjs';
import { logTail, startDetached } from './serviceProcess.mjs';
import { waitFor } from './waitFor.mjs';

/**
 * Starts a single-node Apache Kafka 3.9.1 in KRaft mode on free loopback ports, with fresh
 * data under `runDir`, and waits until it answers as a client will use it: metadata, topic
 * creation and a consumer-group coordinator. `restart()` starts it again on the same ports and
 * data after its process was stopped (the fault tests stop it to simulate an outage).
 *
 * `options` add what a security test needs beside the PLAINTEXT listener (which the broker
 * itself and the readiness check keep using): `listeners`, `{ name, protocol }` each, get a
 * free port and are returned by name with `host:port`; `properties` are more server.properties
 * lines; `formatArgs` go to `kafka-storage format` (e.g. `--add-scram` users).
 */
export async function startKafka(runDir, { name = 'kafka', listeners = [], properties: extraProperties = [], formatArgs = [] } = {}) {
  const lib = await runInstall('install-kafka.sh');
  const dir = join(runDir, name);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const [port, controllerPort] = [await freePort(), await freePort()];
  const extra = [];
  for (const listener of listeners) extra.push({ ...listener, port: await freePort() });
  const listed = (format) => extra.map((l) => `,${format(l)}`).join('');
  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${listed((l) => `${l.name}://127.0.0.1:${l.port}`)}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}${listed((l) => `${l.name}://127.0.0.1:${l.port}`)}`,
      'controller.listener.names=CONTROLLER',
      `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${listed((l) => `${l.name}:${l.protocol}`)}`,
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      ...extraProperties,
      '',
    ].join('\n'),
  );
  const log4j = join(dir, 'log4j.properties');
  writeFileSync(
    log4j,
    [
      'log4j.rootLogger=WARN, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );
  const classpath = `${lib}/*`;
  const tool = ['-Dlog4j.configuration=file:' + log4j, '-cp', classpath, 'kafka.tools.StorageTool'];
  const clusterId = execFileSync('java', [...tool, 'random-uuid'], { encoding: 'utf8' }).trim();
  execFileSync('java', [...tool, 'format', '-t', clusterId, '-c', properties, ...formatArgs], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const logPath = join(dir, 'kafka.log');
  const brokers = `127.0.0.1:${port}`;
  const launch = async () => {
    const pid = startDetached(
      'java',
      ['-Xmx512m', '-XX:+UseG1GC', `-Dlog4j.configuration=file:${log4j}`, '-cp', classpath, 'kafka.Kafka', properties],
      { logPath, cwd: dir },
    );
    try {
      await waitFor(() => kafkaAnswers(brokers), { timeoutMs: 90_000, stepMs: 250, what: `Kafka at ${brokers}` });
    } catch (error) {
      throw new Error(`${error.message}\nlast lines of ${logPath}:\n${logTail(logPath)}`);
    }
    return pid;
  };
  const kafka = {
    pid: await launch(),
    brokers,
    logPath,
    listeners: Object.fromEntries(extra.map((l) => [l.name, `127.0.0.1:${l.port}`])),
    restart: async () => {
      kafka.pid = await launch();
      return kafka.pid;
    },
  };
  return kafka;
}

/** True once a topic can be created and a consumer group joined: the coordinator has loaded. */
async function kafkaAnswers(brokers) {
  const kafka = new kafkajs.Kafka({
    clientId: 'clickflow-readiness',
    brokers: [brokers],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  });
  const admin = kafka.admin();
  const topic = `readiness-${process.pid}-${Date.now()}`;
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const consumer = kafka.consumer({ groupId: `${topic}-group`, retry: { retries: 0 } });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic] });
      await admin.fetchOffsets({ groupId: `${topic}-group`, topics: [topic] });
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteTopics({ topics: [topic] });
    return true;
  } finally {
    await admin.disconnect();
  }
}
