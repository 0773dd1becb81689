import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startInfluxdb } from './influxdb.mjs';
import { startKafka } from './kafka.mjs';
import { startPostgres } from './postgresql.mjs';
import { stopProcess } from './serviceProcess.mjs';

export const CACHE_DIR = process.env.CLICKFLOW_CACHE ?? join(homedir(), '.cache', 'clickflow');

/** A fresh directory under the cache's `runs/` for one set of services' data and logs. */
export function newRunDir(prefix) {
  mkdirSync(join(CACHE_DIR, 'runs'), { recursive: true });
  return mkdtempSync(join(CACHE_DIR, 'runs', prefix));
}

/**
 * Starts Kafka, InfluxDB and PostgreSQL side by side, Kafka's and InfluxDB's data in a fresh run
 * directory under the cache (PostgreSQL's in a temporary directory of its own, see
 * postgresql.mjs); resolves with their addresses, credentials, pids and a `stop()` that ends
 * them and removes the data.
 */
export async function startServices({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const runDir = newRunDir('run-');
  const started = Date.now();
  const results = await Promise.allSettled([startKafka(runDir), startInfluxdb(runDir), startPostgres()]);
  const [kafka, influx, postgres] = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
  const stop = async () => {
    await Promise.all([stopProcess(kafka?.pid), stopProcess(influx?.pid), postgres?.remove()]);
    rmSync(runDir, { recursive: true, force: true });
  };
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) {
    await stop();
    throw new Error(failed.map((r) => r.reason.message).join('\n\n'));
  }
  log(`services: Kafka at ${kafka.brokers}, InfluxDB at ${influx.url} and PostgreSQL on ${new URL(postgres.url).host} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return {
    runDir,
    kafka,
    influx,
    postgres,
    env: {
      KAFKA_BROKERS: kafka.brokers,
      INFLUX_URL: influx.url,
      INFLUX_ORG: influx.org,
      INFLUX_BUCKET: influx.bucket,
      INFLUX_TOKEN: influx.token,
      POSTGRES_URL: postgres.url,
    },
    stop,
  };
}
