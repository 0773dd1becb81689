import { DEFAULTS } from '../config/defaults.js';
import { SASL_MECHANISMS, type SaslMechanism } from '../connectors/kafka/kafkaSecurity.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { JobParameters } from '../jobs/Job.js';
import { MIN_RATE_PER_SECOND } from '../producer/checkRate.js';
import { MAX_TIMER_MS } from '../time/maxTimerMs.js';
import type { DeadLetterSpec, FileSpec, JobSpec, KafkaSecuritySpec, KafkaSpec, RecordOutputSpec, SinkSpec, SourceSpec } from './JobSpec.js';
import { definedFields } from './definedFields.js';

type Fields = Record<string, unknown>;

/** A JSON value in words, for a message: `a string`, `null`, `an array`. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value === 'number' ? 'the number' : 'the ' + typeof value} ${JSON.stringify(value)}`;
}

/** Reads one JSON object at `path`, refusing fields it does not know: a misspelt field must not be ignored in silence. */
function object(value: unknown, path: string, known: readonly string[], example: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(path, `is ${kindOf(value)}; give an object, e.g. ${example}`);
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new ConfigError(`${path}.${unknown}`, `is not a field here; the fields are ${known.join(', ')}`);
  return value as Fields;
}

function text(fields: Fields, path: string, key: string, what: string): string | undefined {
  const value = fields[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${path}.${key}`, `is ${kindOf(value)}; give ${what}`);
  return value;
}

function required(fields: Fields, path: string, key: string, what: string): string {
  const value = text(fields, path, key, what);
  if (value === undefined) throw new ConfigError(`${path}.${key}`, `is missing; give ${what}`);
  return value;
}

function milliseconds(fields: Fields, path: string, key: string, min: number): number | undefined {
  const value = fields[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > MAX_TIMER_MS) {
    throw new ConfigError(`${path}.${key}`, `is ${kindOf(value)}; give whole milliseconds from ${min} to ${MAX_TIMER_MS}, e.g. 60000 for a minute`);
  }
  return value;
}

function kind<K extends string>(fields: Fields, path: string, kinds: readonly K[]): K {
  const value = fields.kind;
  if (typeof value !== 'string' || !(kinds as readonly string[]).includes(value)) {
    throw new ConfigError(`${path}.kind`, `is ${value === undefined ? 'missing' : kindOf(value)}; give one of ${kinds.map((k) => `"${k}"`).join(', ')}`);
  }
  return value as K;
}

/** The fields of one kind, refusing the others' fields. */
function only(fields: Fields, path: string, known: readonly string[], example: string): Fields {
  return object(fields, path, ['kind', ...known], example);
}

function fileSpec(fields: Fields, path: string): FileSpec {
  only(fields, path, ['path'], '{"kind": "file", "path": "/abs/out.lp"}');
  return { kind: 'file', path: required(fields, path, 'path', 'the path of the file') };
}


function sourceSpec(value: unknown, path: string): SourceSpec {
  const fields = object(value, path, ['kind', 'topic', 'group', 'bounded', 'idleTimeoutMs', 'path', 'ratePerSecond'], '{"kind": "kafka", "topic": "clickstream"}');
  switch (kind(fields, path, ['kafka', 'file', 'stdin', 'generator'] as const)) {
    case 'kafka': {
      only(fields, path, ['topic', 'group', 'bounded', 'idleTimeoutMs'], '{"kind": "kafka", "topic": "clickstream", "bounded": true}');
      if (fields.bounded !== undefined && typeof fields.bounded !== 'boolean') throw new ConfigError(`${path}.bounded`, `is ${kindOf(fields.bounded)}; give true or false`);
      return definedFields({
        kind: 'kafka' as const,
        topic: text(fields, path, 'topic', 'the topic to read'),
        group: text(fields, path, 'group', 'the consumer group, e.g. clickflow-error-rates'),
        bounded: fields.bounded as boolean | undefined,
        // 0, as --idle-timeout 0ms: a partition holds nothing back once it has nothing to read.
        idleTimeoutMs: milliseconds(fields, path, 'idleTimeoutMs', 0),
      });
    }
    case 'file':
      return fileSpec(fields, path);
    case 'stdin':
      only(fields, path, [], '{"kind": "stdin"}');
      return { kind: 'stdin' };
    case 'generator': {
      only(fields, path, ['ratePerSecond'], '{"kind": "generator", "ratePerSecond": 500}');
      const rate = fields.ratePerSecond;
      const max = DEFAULTS.demo.maxRatePerSecond;
      if (rate !== undefined && (typeof rate !== 'number' || !(rate >= MIN_RATE_PER_SECOND) || rate > max)) {
        throw new ConfigError(`${path}.ratePerSecond`, `is ${kindOf(rate)}; give events per second from ${MIN_RATE_PER_SECOND} to ${max}`);
      }
      return definedFields({ kind: 'generator' as const, ratePerSecond: rate as number | undefined });
    }
  }
}

function sinkSpec(value: unknown, path: string): SinkSpec {
  const fields = object(value, path, ['kind', 'url', 'org', 'bucket', 'token', 'path'], '{"kind": "influx"}');
  switch (kind(fields, path, ['influx', 'file', 'stdout', 'none'] as const)) {
    case 'influx':
      only(fields, path, ['url', 'org', 'bucket', 'token'], '{"kind": "influx", "bucket": "clickstream"}');
      return definedFields({
        kind: 'influx' as const,
        url: text(fields, path, 'url', 'the InfluxDB URL, e.g. http://localhost:8086'),
        org: text(fields, path, 'org', 'the InfluxDB organisation'),
        bucket: text(fields, path, 'bucket', 'the InfluxDB bucket'),
        token: text(fields, path, 'token', 'an InfluxDB API token, or leave it out to use INFLUX_TOKEN'),
      });
    case 'file':
      return fileSpec(fields, path);
    case 'stdout':
      only(fields, path, [], '{"kind": "stdout"}');
      return { kind: 'stdout' };
    case 'none':
      only(fields, path, [], '{"kind": "none"}');
      return { kind: 'none' };
  }
}

function deadLetterSpec(value: unknown, path: string): DeadLetterSpec {
  const fields = object(value, path, ['kind', 'path', 'topic'], '{"kind": "kafka", "topic": "clickstream.dlq"}');
  if (kind(fields, path, ['file', 'kafka'] as const) === 'file') return fileSpec(fields, path);
  only(fields, path, ['topic'], '{"kind": "kafka", "topic": "clickstream.dlq"}');
  return definedFields({ kind: 'kafka' as const, topic: text(fields, path, 'topic', 'the dead-letter topic') });
}

function outputsSpec(value: unknown, path: string): Record<string, RecordOutputSpec> {
  const example = '{"sessions": {"kind": "file", "path": "/abs/sessions.jsonl"}}';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(path, `is ${kindOf(value)}; give an object of outputs by name, e.g. ${example}`);
  const outputs: Record<string, RecordOutputSpec> = {};
  for (const [name, output] of Object.entries(value)) {
    const at = `${path}.${name}`;
    if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw new ConfigError(at, 'is not a record output name; names are lower case letters, digits, _ and -, e.g. sessions');
    const fields = object(output, at, ['kind', 'path', 'url'], '{"kind": "file", "path": "/abs/sessions.jsonl"}');
    const k = kind(fields, at, ['file', 'stdout', 'postgres'] as const);
    if (k === 'file') outputs[name] = fileSpec(fields, at);
    else if (k === 'stdout') outputs[name] = (only(fields, at, [], '{"kind": "stdout"}'), { kind: 'stdout' });
    else {
      only(fields, at, ['url'], '{"kind": "postgres", "url": "postgres://clickflow@localhost:5432/clickflow"}');
      const url = required(fields, at, 'url', 'postgres://USER@HOST:PORT/DATABASE[?table=T] (the password in PGPASSWORD)');
      // Never echoes the URL: it may hold a password.
      if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError(`${at}.url`, 'is not a postgres:// URL; give postgres://USER@HOST:PORT/DATABASE[?table=T]');
      outputs[name] = { kind: 'postgres', url };
    }
  }
  return outputs;
}

function kafkaSpec(value: unknown, path: string): KafkaSpec {
  const fields = object(value, path, ['brokers', 'security'], '{"brokers": "kafka1:9092,kafka2:9092"}');
  const brokers = text(fields, path, 'brokers', 'host:port[,…]');
  if (fields.security === undefined) return definedFields({ brokers });
  const at = `${path}.security`;
  const security = object(fields.security, at, ['sasl', 'ssl'], '{"sasl": {"mechanism": "scram-sha-512", "username": "clickflow", "passwordFile": "/abs/pw"}, "ssl": {}}');
  let sasl: KafkaSecuritySpec['sasl'];
  if (security.sasl !== undefined) {
    const s = object(security.sasl, `${at}.sasl`, ['mechanism', 'username', 'passwordFile'], '{"mechanism": "plain", "username": "clickflow"}');
    const mechanism = required(s, `${at}.sasl`, 'mechanism', SASL_MECHANISMS.join(', ')).toLowerCase();
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new ConfigError(`${at}.sasl.mechanism`, `"${mechanism}" is not a SASL mechanism clickflow speaks; use ${SASL_MECHANISMS.join(', ')}`);
    }
    sasl = definedFields({
      mechanism: mechanism as SaslMechanism,
      username: required(s, `${at}.sasl`, 'username', 'the SASL username'),
      passwordFile: text(s, `${at}.sasl`, 'passwordFile', 'the path of a file holding the password (or leave it out and set KAFKA_SASL_PASSWORD)'),
    });
  }
  let ssl: KafkaSecuritySpec['ssl'];
  if (security.ssl !== undefined) {
    const s = object(security.ssl, `${at}.ssl`, ['caFile', 'certFile', 'keyFile'], '{"caFile": "/abs/ca.pem"}');
    ssl = definedFields({
      caFile: text(s, `${at}.ssl`, 'caFile', "the path of the PEM file of the CA that signed the brokers' certificates"),
      certFile: text(s, `${at}.ssl`, 'certFile', 'the path of a PEM client certificate'),
      keyFile: text(s, `${at}.ssl`, 'keyFile', 'the path of the PEM private key of certFile'),
    });
  }
  return definedFields({ brokers, security: definedFields({ sasl, ssl }) });
}

function parametersSpec(value: unknown, path: string): JobParameters {
  const fields = object(value, path, ['windowMs', 'slideMs', 'gapMs', 'maxOutOfOrdernessMs', 'allowedLatenessMs', 'earlyEveryMs'], '{"windowMs": 60000}');
  return definedFields({
    windowMs: milliseconds(fields, path, 'windowMs', 1),
    slideMs: milliseconds(fields, path, 'slideMs', 1),
    gapMs: milliseconds(fields, path, 'gapMs', 1),
    maxOutOfOrdernessMs: milliseconds(fields, path, 'maxOutOfOrdernessMs', 0),
    allowedLatenessMs: milliseconds(fields, path, 'allowedLatenessMs', 0),
    earlyEveryMs: milliseconds(fields, path, 'earlyEveryMs', 1),
  });
}

/**
 * Reads a {@link JobSpec} from JSON (a job manager's `POST /jobs {"spec": …}`, a state file),
 * field by field. What the JSON can get wrong is refused here, with the field's path and what
 * it takes; what needs the job, the files or the network is checked by {@link checkJobSpec}.
 * @param path how messages name the spec itself
 * @throws ConfigError naming the field, e.g. `spec.source.kind: is missing; give one of "kafka", …`
 */
export function parseJobSpec(value: unknown, path = 'spec'): JobSpec {
  const fields = object(
    value,
    path,
    ['job', 'source', 'sink', 'deadLetter', 'lateOutput', 'outputs', 'kafka', 'parameters', 'commitIntervalMs'],
    '{"job": "error-rates", "source": {"kind": "kafka"}, "sink": {"kind": "influx"}}',
  );
  const job = required(fields, path, 'job', "a shipped job's name (error-rates) or the absolute path of a built job module");
  if (fields.source === undefined) throw new ConfigError(`${path}.source`, 'is missing; give where records come from, e.g. {"kind": "kafka", "topic": "clickstream"}');
  if (fields.sink === undefined) throw new ConfigError(`${path}.sink`, 'is missing; give where points go, e.g. {"kind": "influx"} or {"kind": "none"}');
  const lateOutput = fields.lateOutput === undefined ? undefined : object(fields.lateOutput, `${path}.lateOutput`, ['kind', 'path'], '{"kind": "file", "path": "/abs/late.jsonl"}');
  if (lateOutput !== undefined) kind(lateOutput, `${path}.lateOutput`, ['file'] as const);
  return definedFields({
    job,
    source: sourceSpec(fields.source, `${path}.source`),
    sink: sinkSpec(fields.sink, `${path}.sink`),
    deadLetter: fields.deadLetter === undefined ? undefined : deadLetterSpec(fields.deadLetter, `${path}.deadLetter`),
    lateOutput: lateOutput === undefined ? undefined : fileSpec(lateOutput, `${path}.lateOutput`),
    outputs: fields.outputs === undefined ? undefined : outputsSpec(fields.outputs, `${path}.outputs`),
    kafka: fields.kafka === undefined ? undefined : kafkaSpec(fields.kafka, `${path}.kafka`),
    parameters: fields.parameters === undefined ? undefined : parametersSpec(fields.parameters, `${path}.parameters`),
    commitIntervalMs: milliseconds(fields, path, 'commitIntervalMs', 1),
  });
}
