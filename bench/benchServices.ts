// The benchmarks' Kafka and InfluxDB: the ones named in the environment (KAFKA_BROKERS,
// INFLUX_*), or a fresh pair started with the project's own scripts and stopped at the end.
export interface BenchServices {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function benchServices(): Promise<BenchServices> {
  const { KAFKA_BROKERS, INFLUX_URL, INFLUX_ORG, INFLUX_BUCKET, INFLUX_TOKEN } = process.env;
  if (KAFKA_BROKERS && INFLUX_URL && INFLUX_ORG && INFLUX_BUCKET && INFLUX_TOKEN) {
    return { env: { KAFKA_BROKERS, INFLUX_URL, INFLUX_ORG, INFLUX_BUCKET, INFLUX_TOKEN }, stop: async () => {} };
  }
  const modulePath = new URL('../../scripts/services/startServices.mjs', import.meta.url).href;
  const { startServices } = (await import(modulePath)) as {
    startServices: () => Promise<{ env: Record<string, string>; stop: () => Promise<void> }>;
  };
  return startServices();
}
