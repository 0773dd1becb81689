import type { JobSpec } from '../runtime/JobSpec.js';
import { redactUrlPasswords } from './redactUrlPasswords.js';

/**
 * A spec as the API, logs and listings show it: the InfluxDB token as `***`, and the password
 * of every URL in it (an InfluxDB URL, a PostgreSQL output) redacted. Secret files are named
 * by path only, so they show as given.
 */
export function redactSpec(spec: JobSpec): JobSpec {
  const sink = spec.sink.kind === 'influx' ? { ...spec.sink, ...(spec.sink.token === undefined ? {} : { token: '***' }), ...(spec.sink.url === undefined ? {} : { url: redactUrlPasswords(spec.sink.url) }) } : spec.sink;
  const outputs =
    spec.outputs === undefined
      ? undefined
      : Object.fromEntries(Object.entries(spec.outputs).map(([name, output]) => [name, output.kind === 'postgres' ? { ...output, url: redactUrlPasswords(output.url) } : output]));
  return { ...spec, sink, ...(outputs === undefined ? {} : { outputs }) };
}
