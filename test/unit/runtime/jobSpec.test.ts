import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { jobSpecOf } from '../../../src/cli/jobSpecOf.js';
import { parseRunArgs } from '../../../src/cli/parseRunArgs.js';
import { RUN_FLAG_NAMES } from '../../../src/cli/runFlagNames.js';
import { EventFeed } from '../../../src/connectors/memory/EventFeed.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { redactSpec } from '../../../src/jobmanager/redactSpec.js';
import { checkJobSpec } from '../../../src/runtime/checkJobSpec.js';
import type { JobSpec } from '../../../src/runtime/JobSpec.js';
import { parseJobSpec } from '../../../src/runtime/parseJobSpec.js';
import { SPEC_FIELD_NAMES } from '../../../src/runtime/SpecFieldNames.js';
import { kafkaSourceSettings } from '../../../src/runtime/specConnectors.js';
import { startJobSpec } from '../../../src/runtime/startJobSpec.js';
import { waitFor } from '../../../src/testing/waitFor.js';

const SAMPLE = fileURLToPath(new URL('../../../../samples/clickstream.jsonl', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'clickflow-jobspec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run's flags without the environment's Kafka and InfluxDB settings, which commander would fold in. */
function flagsSpec(args: string[]): JobSpec {
  const saved = { ...process.env };
  for (const name of ['KAFKA_BROKERS', 'INFLUX_URL', 'INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_TOKEN', 'KAFKA_SSL', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME']) delete process.env[name];
  try {
    return jobSpecOf(parseRunArgs(args));
  } finally {
    Object.assign(process.env, saved);
  }
}

function refused(value: unknown, field: string, message: RegExp): void {
  assert.throws(
    () => parseJobSpec(value),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.option, field);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('JobSpec: one typed spec from run flags and from JSON', () => {
  test('run flags and the JSON spec of the same run are the same spec, through a JSON round trip', () => {
    const fromFlags = flagsSpec([
      'sessions',
      '--from', 'kafka', '--topic', 'clicks', '--group', 'g1', '--bounded', '--brokers', 'k1:9092,k2:9092',
      '--to', 'influx', '--influx-url', 'http://influx:8086', '--influx-org', 'o', '--influx-bucket', 'b', '--influx-token', 't0k',
      '--dead-letter', 'kafka:bad', '--late-output', 'file:/tmp/late.jsonl', '--output', 'sessions=file:/tmp/s.jsonl',
      '--gap', '10m', '--max-out-of-orderness', '2s', '--commit-interval', '1s', '--idle-timeout', '2s',
      '--kafka-sasl', 'plain', '--kafka-username', 'alice', '--kafka-password-file', '/run/pw', '--kafka-ca', '/run/ca.pem',
    ]);
    const json = {
      job: 'sessions',
      source: { kind: 'kafka', topic: 'clicks', group: 'g1', bounded: true, idleTimeoutMs: 2_000 },
      sink: { kind: 'influx', url: 'http://influx:8086', org: 'o', bucket: 'b', token: 't0k' },
      deadLetter: { kind: 'kafka', topic: 'bad' },
      lateOutput: { kind: 'file', path: '/tmp/late.jsonl' },
      outputs: { sessions: { kind: 'file', path: '/tmp/s.jsonl' } },
      kafka: { brokers: 'k1:9092,k2:9092', security: { sasl: { mechanism: 'plain', username: 'alice', passwordFile: '/run/pw' }, ssl: { caFile: '/run/ca.pem' } } },
      parameters: { gapMs: 600_000, maxOutOfOrdernessMs: 2_000 },
      commitIntervalMs: 1_000,
    };
    assert.deepEqual(fromFlags, parseJobSpec(json));
    assert.deepEqual(parseJobSpec(JSON.parse(JSON.stringify(fromFlags))), fromFlags, 'a spec reads back as it was written (state file, IPC)');
  });

  test('a file run: the defaults left out, as the runtime fills them in', () => {
    const spec = flagsSpec(['error-rates', '--from', 'file:/data/in.jsonl', '--to', 'none', '--dead-letter', 'file:/data/bad.jsonl']);
    assert.deepEqual(spec, {
      job: 'error-rates',
      source: { kind: 'file', path: '/data/in.jsonl' },
      sink: { kind: 'none' },
      deadLetter: { kind: 'file', path: '/data/bad.jsonl' },
      kafka: { brokers: 'localhost:9092' },
      commitIntervalMs: 5_000,
    });
  });

  test('flags only run can get wrong are refused while building the spec, naming the flag', () => {
    assert.throws(() => flagsSpec(['error-rates', '--from', 'file:/x', '--bounded']), (e: unknown) => e instanceof ConfigError && e.option === '--bounded');
    assert.throws(
      () => flagsSpec(['sessions', '--from', 'file:/x', '--output', 'sessions=file:/a', '--output', 'sessions=file:/b']),
      (e: unknown) => e instanceof ConfigError && e.option === '--output' && /"sessions" is given twice/.test(e.message),
    );
  });

  test('a bad JSON spec is refused with the path of the field and what it takes', () => {
    refused(null, 'spec', /is null; give an object, e\.g\. \{"job": "error-rates"/);
    refused({ source: { kind: 'kafka' }, sink: { kind: 'none' } }, 'spec.job', /is missing; give a shipped job's name/);
    refused({ job: 'error-rates', sink: { kind: 'none' } }, 'spec.source', /is missing; give where records come from/);
    refused({ job: 'error-rates', source: { kind: 'kafka' } }, 'spec.sink', /is missing; give where points go/);
    refused({ job: 'error-rates', source: { kind: 'kafak' }, sink: { kind: 'none' } }, 'spec.source.kind', /is the string "kafak"; give one of "kafka", "file", "stdin", "generator"/);
    refused({ job: 'error-rates', source: { kind: 'file' }, sink: { kind: 'none' } }, 'spec.source.path', /is missing; give the path of the file/);
    refused({ job: 'error-rates', source: { kind: 'file', path: '/x', bounded: true }, sink: { kind: 'none' } }, 'spec.source.bounded', /is not a field here; the fields are kind, path/);
    refused({ job: 'error-rates', source: { kind: 'kafka', bounded: 'yes' }, sink: { kind: 'none' } }, 'spec.source.bounded', /is the string "yes"; give true or false/);
    refused({ job: 'error-rates', source: { kind: 'kafka', idleTimeoutMs: -1 }, sink: { kind: 'none' } }, 'spec.source.idleTimeoutMs', /is the number -1; give whole milliseconds from 0/);
    refused({ job: 'error-rates', source: { kind: 'file', path: '/x', idleTimeoutMs: 1_000 }, sink: { kind: 'none' } }, 'spec.source.idleTimeoutMs', /is not a field here; the fields are kind, path/);
    refused({ job: 'error-rates', source: { kind: 'kafka' }, sink: { kind: 'none' }, window: 60000 }, 'spec.window', /is not a field here; the fields are job, source, sink/);
    refused({ job: 'error-rates', source: { kind: 'kafka' }, sink: { kind: 'none' }, parameters: { windowMs: '1m' } }, 'spec.parameters.windowMs', /is the string "1m"; give whole milliseconds from 1 to \d+, e\.g\. 60000/);
    refused({ job: 'error-rates', source: { kind: 'kafka' }, sink: { kind: 'none' }, parameters: { windowMs: 0 } }, 'spec.parameters.windowMs', /is the number 0; give whole milliseconds from 1/);
    refused({ job: 'error-rates', source: { kind: 'generator', ratePerSecond: 1e9 }, sink: { kind: 'none' } }, 'spec.source.ratePerSecond', /give events per second from 0\.001 to \d+/);
    refused({ job: 'sessions', source: { kind: 'kafka' }, sink: { kind: 'none' }, outputs: { Sessions: { kind: 'file', path: '/s' } } }, 'spec.outputs.Sessions', /is not a record output name/);
    refused(
      { job: 'archive', source: { kind: 'kafka' }, sink: { kind: 'none' }, outputs: { events: { kind: 'postgres', url: 'mysql://u:secret@h/db' } } },
      'spec.outputs.events.url',
      /^spec\.outputs\.events\.url: is not a postgres:\/\/ URL; give postgres:\/\/USER@HOST:PORT\/DATABASE\[\?table=T\]$/,
    );
    refused(
      { job: 'error-rates', source: { kind: 'kafka' }, sink: { kind: 'none' }, kafka: { security: { sasl: { mechanism: 'gssapi', username: 'a' } } } },
      'spec.kafka.security.sasl.mechanism',
      /"gssapi" is not a SASL mechanism clickflow speaks; use plain, scram-sha-256, scram-sha-512/,
    );
    refused(
      { job: 'error-rates', source: { kind: 'kafka' }, sink: { kind: 'none' }, kafka: { security: { sasl: { mechanism: 'plain', password: 'x' } } } },
      'spec.kafka.security.sasl.password',
      /is not a field here; the fields are mechanism, username, passwordFile/,
    );
  });

  test('what needs the job, the files or the network is checked before anything opens, naming the spec\'s fields', async () => {
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, '');
    const base = { job: 'error-rates', source: { kind: 'file', path: input }, sink: { kind: 'file', path: join(dir, 'out.lp') } } as const;
    await assert.rejects(
      checkJobSpec(parseJobSpec({ ...base, sink: { kind: 'file', path: input } }), undefined, SPEC_FIELD_NAMES),
      (e: unknown) => e instanceof ConfigError && e.option === 'spec.sink' && /is also the input of spec\.source/.test(e.message),
    );
    await assert.rejects(
      checkJobSpec(parseJobSpec({ ...base, kafka: { security: { sasl: { mechanism: 'plain', username: 'a', passwordFile: join(dir, 'absent') } } } }), undefined, SPEC_FIELD_NAMES),
      (e: unknown) => e instanceof ConfigError && e.option === 'spec.kafka.security.sasl.passwordFile' && /cannot read .*absent \(ENOENT\)/.test(e.message),
    );
    await assert.rejects(
      checkJobSpec(parseJobSpec({ ...base, commitIntervalMs: 10 }), undefined, SPEC_FIELD_NAMES),
      (e: unknown) => e instanceof ConfigError && e.option === 'spec.commitIntervalMs',
    );
    // The same check under run's flags names the flags.
    await assert.rejects(
      checkJobSpec(flagsSpec(['error-rates', '--from', `file:${input}`, '--to', `file:${input}`]), undefined, RUN_FLAG_NAMES),
      (e: unknown) => e instanceof ConfigError && e.option === '--to' && /is also the input of --from/.test(e.message),
    );
  });

  test('startJobSpec runs a spec to its end: the same points as run\'s flags give', async () => {
    const input = join(dir, 'events.jsonl');
    const lines = readFileSync(SAMPLE, 'utf8').split('\n').slice(0, 2_000);
    writeFileSync(input, `${lines.join('\n')}\n`);
    const run = async (spec: JobSpec) => {
      const { handle } = await startJobSpec(spec);
      await handle.done;
      return { status: handle.status, metrics: handle.metrics, text: readFileSync((spec.sink as { path: string }).path, 'utf8') };
    };
    const json = await run(parseJobSpec({ job: 'error-rates', source: { kind: 'file', path: input }, sink: { kind: 'file', path: join(dir, 'json.lp') }, parameters: { windowMs: 20_000 } }));
    const flags = await run(flagsSpec(['error-rates', '--from', `file:${input}`, '--to', `file:${join(dir, 'flags.lp')}`, '--window', '20s']));
    assert.equal(json.status, 'FINISHED');
    assert.equal(json.metrics.recordsIn, 2_000);
    assert.ok(json.metrics.pointsOut > 0 && json.text.split('\n').length > json.metrics.pointsOut, json.text.slice(0, 500));
    // job_health's watermark lag is measured against the wall clock: the rest is exact.
    const results = (text: string) => text.split('\n').filter((line) => !line.startsWith('job_health'));
    assert.deepEqual(results(json.text), results(flags.text));
  });

  test('a Kafka source\'s idle timeout, from --idle-timeout or source.idleTimeoutMs, is in the settings its connector is built with', () => {
    for (const spec of [
      flagsSpec(['sessions', '--from', 'kafka', '--idle-timeout', '1500ms', '--to', 'none']),
      parseJobSpec({ job: 'sessions', source: { kind: 'kafka', idleTimeoutMs: 1_500 }, sink: { kind: 'none' } }),
    ]) {
      assert.equal(spec.source.kind, 'kafka');
      const settings = kafkaSourceSettings(spec.source as Extract<JobSpec['source'], { kind: 'kafka' }>, 'k:9092', undefined);
      assert.equal(settings.idleTimeoutMs, 1_500);
      assert.equal(settings.topic, 'clickstream');
    }
  });

  test('startJobSpec gives a generator source the events of `collected` (a job manager\'s worker passes the demo collector\'s), beside the generated ones', async () => {
    const collected = new EventFeed(100);
    const urls = new Set<string>();
    const { handle } = await startJobSpec(parseJobSpec({ job: 'error-rates', source: { kind: 'generator', ratePerSecond: 200 }, sink: { kind: 'none' }, parameters: { windowMs: 1_000, maxOutOfOrdernessMs: 200 } }), {
      collected,
      observePoints: (points) => {
        for (const point of points) if (point.measurement === 'url_counts') urls.add(point.toJSON().tags.url!);
      },
    });
    try {
      // No generated event has this URL: its count can only come from the feed.
      const url = '/from-the-collector';
      const nowSeconds = Date.now() / 1000;
      collected.push([{ key: 'shopper', value: JSON.stringify({ event_id: 'c1', user_id: 'shopper', session_id: 's', url, event_type: 'page_view', http_status: 404, event_timestamp: nowSeconds }) }]);
      // The generated events move every partition's watermark past the window, which then fires.
      await waitFor(() => urls.has(url), { what: `a url_counts point for ${url}`, timeoutMs: 60_000, stepMs: 50 });
      assert.ok(urls.size > 1, 'the generated events are counted beside it');
    } finally {
      await handle.cancel();
      await handle.done;
    }
  });

  test('redactSpec hides the InfluxDB token and URL passwords, and only those', () => {
    const spec = parseJobSpec({
      job: 'archive',
      source: { kind: 'kafka' },
      sink: { kind: 'influx', url: 'http://u:pw@influx:8086', token: 'secret-token' },
      outputs: { events: { kind: 'postgres', url: 'postgres://app:pgpw@db:5432/a' } },
      kafka: { security: { sasl: { mechanism: 'plain', username: 'a', passwordFile: '/run/pw' } } },
    });
    const shown = JSON.stringify(redactSpec(spec));
    for (const secret of ['secret-token', ':pw@', 'pgpw']) assert.ok(!shown.includes(secret), shown);
    assert.deepEqual(redactSpec(spec).sink, { kind: 'influx', url: 'http://u:***@influx:8086', token: '***' });
    assert.deepEqual(redactSpec(spec).kafka, spec.kafka);
  });
});
