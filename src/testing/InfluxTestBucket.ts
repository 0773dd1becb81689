import { InfluxDB } from '@influxdata/influxdb-client';
import type { InfluxTarget } from '../connectors/influx/InfluxTarget.js';
import { serviceEnv, type ServiceEnv } from './serviceEnv.js';
import { uniqueName } from './uniqueName.js';

/** A fresh bucket of the test InfluxDB, with Flux queries over it; `drop()` deletes it. */
export class InfluxTestBucket {
  private constructor(
    readonly target: InfluxTarget,
    /** The bucket's ID, which InfluxDB's APIs take in place of its name. */
    readonly id: string,
  ) {}

  /** @param server another InfluxDB than the one in the environment (a test's own) */
  static async create(prefix = 'test', server?: Pick<ServiceEnv, 'influxUrl' | 'influxOrg' | 'influxToken'>): Promise<InfluxTestBucket> {
    const env = server ?? serviceEnv();
    const name = uniqueName(prefix);
    const orgs = (await api(env.influxUrl, env.influxToken, `/api/v2/orgs?org=${encodeURIComponent(env.influxOrg)}`)) as {
      orgs: { id: string }[];
    };
    const orgID = orgs.orgs[0]?.id;
    if (orgID === undefined) throw new Error(`InfluxDB has no org ${env.influxOrg}`);
    const bucket = (await api(env.influxUrl, env.influxToken, '/api/v2/buckets', {
      method: 'POST',
      body: JSON.stringify({ orgID, name, retentionRules: [] }),
    })) as { id: string };
    return new InfluxTestBucket({ url: env.influxUrl, org: env.influxOrg, bucket: name, token: env.influxToken }, bucket.id);
  }

  /** The environment that points `clickflow run --to influx` at this bucket. */
  env(): Record<'INFLUX_URL' | 'INFLUX_ORG' | 'INFLUX_BUCKET' | 'INFLUX_TOKEN', string> {
    const { url, org, bucket, token } = this.target;
    return { INFLUX_URL: url, INFLUX_ORG: org, INFLUX_BUCKET: bucket, INFLUX_TOKEN: token };
  }

  /** Runs a Flux query; `from(bucket:)` is prepended, so `flux` starts with `|> range(...)`. */
  async query<T = Record<string, unknown>>(flux: string): Promise<T[]> {
    const queryApi = new InfluxDB({ url: this.target.url, token: this.target.token }).getQueryApi(this.target.org);
    return queryApi.collectRows<T>(`from(bucket: "${this.target.bucket}") ${flux}`);
  }

  async drop(): Promise<void> {
    await api(this.target.url, this.target.token, `/api/v2/buckets/${this.id}`, { method: 'DELETE' });
  }
}

async function api(url: string, token: string, path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
  });
  if (!response.ok) throw new Error(`InfluxDB ${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}
