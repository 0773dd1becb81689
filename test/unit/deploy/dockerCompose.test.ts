import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const COMPOSE = `${ROOT}docker-compose.yml`;
const ENV_EXAMPLE = `${ROOT}.env.example`;

/** Debian's docker-compose (1.29), or none: there is no Docker engine on the CI machines. */
function dockerCompose(): string | undefined {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    return 'docker-compose';
  } catch {
    return undefined;
  }
}
const composeBinary = dockerCompose();

/** The process environment without the settings .env gives, which would override it. */
function envWithout(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^(INFLUX_|GRAFANA_|CLICKFLOW_)/.test(name)) delete env[name];
  return env;
}

/** Each service's lines in the file, by name: from its name (indented two spaces) to the next. */
function serviceBlocks(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const name = /^  (\w+):$/.exec(line)?.[1];
    if (name !== undefined) blocks.set((current = name), '');
    else if (/^\S/.test(line)) current = undefined;
    else if (current !== undefined) blocks.set(current, `${blocks.get(current)!}${line}\n`);
  }
  return blocks;
}

function compose(args: string[], envFile: string) {
  return spawnSync(composeBinary!, ['--project-directory', ROOT, '-f', COMPOSE, '--env-file', envFile, ...args], { encoding: 'utf8', env: envWithout() });
}

interface ComposeService {
  readonly depends_on?: Record<string, { readonly condition: string }>;
  readonly entrypoint?: string[];
  readonly command?: string[];
  readonly environment?: Record<string, string>;
}

/**
 * `docker-compose config` with the app profile, as data: Debian's docker-compose is Python and
 * brings python3-yaml, which reads its YAML.
 */
function configOf(envFile: string): { services: Record<string, ComposeService> } {
  const yaml = compose(['--profile', 'app', 'config'], envFile);
  assert.equal(yaml.status, 0, yaml.stderr);
  const json = execFileSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: yaml.stdout, encoding: 'utf8' });
  return JSON.parse(json) as { services: Record<string, ComposeService> };
}

describe('docker-compose.yml', { skip: composeBinary === undefined ? 'docker-compose is not installed (.ci/run installs it)' : false }, () => {
  test('is valid with .env.example, with and without the app profile', () => {
    for (const profile of [[], ['--profile', 'app']]) {
      const result = compose([...profile, 'config', '-q'], ENV_EXAMPLE);
      assert.equal(result.status, 0, result.stderr);
    }
  });

  test('runs Kafka, InfluxDB and Grafana by default, and the pipeline under the profile app', () => {
    const services = compose(['--profile', 'app', 'config', '--services'], ENV_EXAMPLE).stdout.trim().split('\n').sort();
    assert.deepEqual(services, ['check-env', 'collector', 'grafana', 'influxdb', 'jobmanager', 'kafka', 'postgres', 'producer', 'submit', 'topic']);
    const blocks = serviceBlocks(readFileSync(COMPOSE, 'utf8'));
    const inApp = services.filter((name) => /profiles: \["app"\]/.test(blocks.get(name) ?? ''));
    assert.deepEqual(inApp, ['collector', 'jobmanager', 'postgres', 'producer', 'submit', 'topic']);
    assert.match(blocks.get('postgres')!, /image: postgres:\d+\.\d+[\w.-]*\n/, 'PostgreSQL’s image is pinned to a minor version');
    assert.match(blocks.get('postgres')!, /healthcheck:\n\s+test: \["CMD", "pg_isready"/);
    for (const name of ['collector', 'jobmanager', 'producer', 'submit']) assert.match(blocks.get(name)!, /build: \./, `${name} is built from the Dockerfile`);
  });

  test('takes the secrets from .env: InfluxDB’s setup, Grafana’s admin password, the job manager’s token', () => {
    const { stdout } = compose(['--profile', 'app', 'config'], ENV_EXAMPLE);
    for (const line of ['DOCKER_INFLUXDB_INIT_ADMIN_TOKEN: change-me-influx-token', 'DOCKER_INFLUXDB_INIT_PASSWORD: change-me-influx-password', 'GF_SECURITY_ADMIN_PASSWORD: change-me-grafana-password', 'CLICKFLOW_TOKEN: change-me-jobmanager-token']) {
      assert.ok(stdout.includes(line), `${line} in\n${stdout}`);
    }
    assert.match(stdout, /condition: service_healthy/);
    assert.match(stdout, /condition: service_completed_successfully/);
  });

  test('refuses .env.example’s change-me placeholders: every service waits for check-env, which fails naming each one left', () => {
    const config = configOf(ENV_EXAMPLE);
    const dependsOn = (name: string): string[] => Object.keys(config.services[name]?.depends_on ?? {});
    const reaches = (name: string, seen = new Set<string>()): boolean =>
      dependsOn(name).some((d) => d === 'check-env' || (!seen.has(d) && (seen.add(d), reaches(d, seen))));
    for (const name of Object.keys(config.services).filter((n) => n !== 'check-env')) assert.ok(reaches(name), `${name} starts only after check-env`);
    for (const name of ['kafka', 'influxdb', 'grafana', 'jobmanager']) {
      assert.equal(config.services[name]!.depends_on!['check-env']!.condition, 'service_completed_successfully', name);
    }
    const check = config.services['check-env']!;
    assert.deepEqual(check.entrypoint, ['sh', '-c']);
    // The container's command as compose hands it over (its output escapes `$` as `$$`), run by
    // this machine's sh with the environment compose gives the container.
    const script = check.command![0]!.replaceAll('$$', '$');
    const run = (environment: Record<string, string>) => spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH, ...environment } });
    const placeholders = run(check.environment!);
    assert.equal(placeholders.status, 1);
    for (const name of ['INFLUX_PASSWORD', 'INFLUX_TOKEN', 'GRAFANA_ADMIN_PASSWORD', 'CLICKFLOW_TOKEN', 'POSTGRES_PASSWORD']) {
      assert.match(placeholders.stderr, new RegExp(`^${name} in \\.env is still the change-me placeholder of \\.env\\.example: replace it`, 'm'));
    }
    const own = Object.fromEntries(Object.keys(check.environment!).map((name) => [name, `secret-of-my-own-${name}`]));
    const mixed = run({ ...own, INFLUX_TOKEN: 'change-me-influx-token' });
    assert.equal(mixed.status, 1);
    assert.match(mixed.stderr, /^INFLUX_TOKEN in/m);
    assert.doesNotMatch(mixed.stderr, /INFLUX_PASSWORD|GRAFANA|CLICKFLOW|POSTGRES/);
    const replaced = run(own);
    assert.equal(replaced.status, 0, replaced.stderr);
    assert.equal(replaced.stderr, '');
    // CLICKFLOW_TOKEN and POSTGRES_PASSWORD serve the app profile only: unset, the default stack still starts.
    assert.equal(run({ ...own, CLICKFLOW_TOKEN: '', POSTGRES_PASSWORD: '' }).status, 0);
  });

  test("the job manager answers to the name submit calls it by (its Host header is checked)", () => {
    const { stdout } = compose(['--profile', 'app', 'config'], ENV_EXAMPLE);
    const called = new URL(/CLICKFLOW_JOBMANAGER: (\S+)/.exec(stdout)?.[1] ?? 'http://missing').hostname;
    const allowed = (/CLICKFLOW_ALLOWED_HOSTS: (\S+)/.exec(stdout)?.[1] ?? '').split(',');
    assert.ok(allowed.includes(called), `${called} among CLICKFLOW_ALLOWED_HOSTS ${allowed.join(',')}`);
  });

  test('the collector listens beyond loopback inside its container, publishes its port on loopback, and is healthy when /health answers', () => {
    const collector = configOf(ENV_EXAMPLE).services.collector! as ComposeService & { ports?: unknown[]; healthcheck?: { test: string[] } };
    assert.deepEqual(collector.command!.slice(0, 5), ['collect', '--host', '0.0.0.0', '--port', '8090']);
    assert.equal(collector.environment!.KAFKA_BROKERS, 'kafka:19092');
    assert.match(JSON.stringify(collector.ports), /127\.0\.0\.1/);
    assert.match(collector.healthcheck!.test.join(' '), /127\.0\.0\.1:8090\/health/);
    assert.equal(collector.depends_on!.topic!.condition, 'service_completed_successfully');
  });

  test('without a .env it refuses to start and says what to do', () => {
    const empty = join(mkdtempSync(join(tmpdir(), 'compose-')), '.env');
    writeFileSync(empty, '');
    const result = compose(['config', '-q'], empty);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /copy \.env\.example to \.env/);
  });
});

describe('.env.example', () => {
  test('holds placeholders, never a real secret, and .env itself is ignored by git', () => {
    const settings = Object.fromEntries(
      readFileSync(ENV_EXAMPLE, 'utf8')
        .split('\n')
        .filter((line) => /^\w+=/.test(line))
        .map((line) => line.split('=', 2) as [string, string]),
    );
    for (const name of ['INFLUX_PASSWORD', 'INFLUX_TOKEN', 'GRAFANA_ADMIN_PASSWORD', 'CLICKFLOW_TOKEN', 'POSTGRES_PASSWORD']) {
      assert.match(settings[name] ?? '', /^change-me-/, name);
    }
    assert.match(readFileSync(`${ROOT}.gitignore`, 'utf8'), /^\/\.env$/m);
  });
});
