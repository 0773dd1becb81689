import { ConfigError } from '../../errors/ConfigError.js';

/** Where the InfluxDB sink writes, from `--influx-*` options or `INFLUX_*` variables. */
export interface InfluxTarget {
  readonly url: string;
  readonly org: string;
  readonly bucket: string;
  readonly token: string;
}

/** Checks that every part is there; the error names the option and its variable, never the token. */
export function validateInfluxTarget(target: Partial<InfluxTarget>): InfluxTarget {
  const parts: [keyof InfluxTarget, string, string][] = [
    ['url', '--influx-url', 'INFLUX_URL'],
    ['org', '--influx-org', 'INFLUX_ORG'],
    ['bucket', '--influx-bucket', 'INFLUX_BUCKET'],
    ['token', '--influx-token', 'INFLUX_TOKEN'],
  ];
  for (const [key, option, variable] of parts) {
    const value = target[key];
    if (value === undefined || value.trim() === '') {
      throw new ConfigError(option, `missing; give ${option} or set ${variable} (npm run services:up prints them for the local InfluxDB)`);
    }
  }
  if (!/^https?:\/\/[^\s]+$/.test(target.url!)) {
    throw new ConfigError('--influx-url', `"${target.url}" is not an http(s) URL, e.g. http://localhost:8086`);
  }
  return target as InfluxTarget;
}
