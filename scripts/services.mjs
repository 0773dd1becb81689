// npm run services:up | services:down — a local Kafka, InfluxDB and PostgreSQL for the CLI and the
// Grafana-less demo, without Docker. `up` prints the settings as `export KEY=value` lines:
//   eval "$(npm run -s services:up)"
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, stopProcess } from './services/serviceProcess.mjs';
import { CACHE_DIR, startServices } from './services/startServices.mjs';

const stateFile = join(CACHE_DIR, 'services.json');
const command = process.argv[2];

const printEnv = (env) => {
  for (const [key, value] of Object.entries(env)) process.stdout.write(`export ${key}=${value}\n`);
};
const readState = () => (existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : undefined);

if (command === 'up') {
  const state = readState();
  if (state !== undefined && isAlive(state.kafkaPid) && isAlive(state.influxPid) && isAlive(state.postgresPid)) {
    process.stderr.write('services are already running\n');
    printEnv(state.env);
  } else {
    if (state !== undefined) await down(state);
    const services = await startServices();
    writeFileSync(
      stateFile,
      JSON.stringify(
        { kafkaPid: services.kafka.pid, influxPid: services.influx.pid, postgresPid: services.postgres.pid, postgresDir: services.postgres.dir, runDir: services.runDir, env: services.env },
        null,
        2,
      ),
    );
    printEnv(services.env);
    process.stderr.write('stop them with: npm run services:down\n');
  }
} else if (command === 'down') {
  const state = readState();
  if (state === undefined) process.stderr.write('no services are running\n');
  else await down(state);
} else if (command === 'env') {
  const state = readState();
  if (state === undefined) {
    process.stderr.write('no services are running; start them with: npm run services:up\n');
    process.exitCode = 1;
  } else printEnv(state.env);
} else {
  process.stderr.write('usage: node scripts/services.mjs up|down|env\n');
  process.exitCode = 2;
}

async function down(state) {
  // SIGINT: PostgreSQL's fast shutdown (SIGTERM would wait for its clients to leave).
  await Promise.all([stopProcess(state.kafkaPid), stopProcess(state.influxPid), stopProcess(state.postgresPid, 10_000, 'SIGINT')]);
  rmSync(state.runDir, { recursive: true, force: true });
  if (state.postgresDir !== undefined) rmSync(state.postgresDir, { recursive: true, force: true });
  rmSync(stateFile, { force: true });
  process.stderr.write('services stopped\n');
}
