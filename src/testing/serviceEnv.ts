/** Addresses and credentials of the real Kafka and InfluxDB a test run started. */
export interface ServiceEnv {
  readonly brokers: string;
  readonly influxUrl: string;
  readonly influxOrg: string;
  readonly influxToken: string;
}

/** Reads the services `npm test` started from the environment; says how to start them if absent. */
export function serviceEnv(): ServiceEnv {
  const { KAFKA_BROKERS, INFLUX_URL, INFLUX_ORG, INFLUX_TOKEN } = process.env;
  if (!KAFKA_BROKERS || !INFLUX_URL || !INFLUX_ORG || !INFLUX_TOKEN) {
    throw new Error(
      'KAFKA_BROKERS, INFLUX_URL, INFLUX_ORG and INFLUX_TOKEN are not set: run these tests with `npm test`, ' +
        'which starts Kafka and InfluxDB, or after `eval "$(npm run -s services:up)"`',
    );
  }
  return { brokers: KAFKA_BROKERS, influxUrl: INFLUX_URL, influxOrg: INFLUX_ORG, influxToken: INFLUX_TOKEN };
}
