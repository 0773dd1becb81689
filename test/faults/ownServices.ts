import { rmSync } from 'node:fs';

/** A service a test started for itself, to stop and start again on the same port and data. */
export interface OwnService {
  /** The current process; it changes with each restart. */
  readonly pid: number;
  /** Stops the process (SIGTERM, SIGKILL after 10 s) and resolves once it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data; resolves once it answers. */
  restart(): Promise<void>;
}

export interface OwnInfluxdb extends OwnService {
  readonly url: string;
  readonly org: string;
  readonly token: string;
}

export interface OwnKafka extends OwnService {
  readonly brokers: string;
}

interface ScriptService {
  pid: number;
  restart(): Promise<number>;
}

// The same scripts `npm test` starts its services with (plain JavaScript, outside the build).
const scripts = new URL('../../../scripts/services/', import.meta.url);
const load = async <T>(file: string): Promise<T> => (await import(new URL(file, scripts).href)) as T;

/** Starts a service with one of the scripts in a run directory of its own; `dispose` stops it and removes the directory. */
async function own<T extends ScriptService>(start: (dir: string) => Promise<T>): Promise<{ service: T; control: OwnService; dispose(): Promise<void> }> {
  const { stopProcess } = await load<{ stopProcess(pid: number): Promise<void> }>('serviceProcess.mjs');
  const { newRunDir } = await load<{ newRunDir(prefix: string): string }>('startServices.mjs');
  const dir = newRunDir('fault-');
  const service = await start(dir);
  const control: OwnService = {
    get pid() {
      return service.pid;
    },
    stop: () => stopProcess(service.pid),
    restart: async () => {
      await service.restart();
    },
  };
  const dispose = async () => {
    await stopProcess(service.pid);
    rmSync(dir, { recursive: true, force: true });
  };
  return { service, control, dispose };
}

/** A fresh InfluxDB of the test's own, onboarded like the shared one; `dispose` stops it and removes its data. */
export async function startOwnInfluxdb(): Promise<{ influx: OwnInfluxdb; dispose(): Promise<void> }> {
  const { startInfluxdb } = await load<{ startInfluxdb(dir: string): Promise<ScriptService & { url: string; org: string; token: string }> }>('influxdb.mjs');
  const { service, control, dispose } = await own(startInfluxdb);
  const influx: OwnInfluxdb = Object.assign(control, { url: service.url, org: service.org, token: service.token });
  return { influx, dispose };
}

/** A fresh single-node Kafka of the test's own; `dispose` stops it and removes its data. */
export async function startOwnKafka(): Promise<{ kafka: OwnKafka; dispose(): Promise<void> }> {
  const { startKafka } = await load<{ startKafka(dir: string): Promise<ScriptService & { brokers: string }> }>('kafka.mjs');
  const { service, control, dispose } = await own(startKafka);
  const kafka: OwnKafka = Object.assign(control, { brokers: service.brokers });
  return { kafka, dispose };
}

export interface OwnPostgres extends OwnService {
  /** postgres://user:password@127.0.0.1:port/clickflow */
  readonly url: string;
}

/** A fresh PostgreSQL cluster of the test's own; `stop()` is a fast shutdown that keeps the data, `dispose` removes it. */
export async function startOwnPostgres(): Promise<{ postgres: OwnPostgres; dispose(): Promise<void> }> {
  const { startPostgres } = await load<{
    startPostgres(): Promise<ScriptService & { url: string; stop(): Promise<void>; remove(): Promise<void> }>;
  }>('postgresql.mjs');
  const service = await startPostgres();
  const postgres: OwnPostgres = {
    get pid() {
      return service.pid;
    },
    url: service.url,
    stop: () => service.stop(),
    restart: async () => {
      await service.restart();
    },
  };
  return { postgres, dispose: () => service.remove() };
}
