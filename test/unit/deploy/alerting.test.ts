import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { runCli } from '../cli/cliHarness.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const ALERTING = `${ROOT}grafana/provisioning/alerting/`;

interface Query {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: { refId: string; type?: string; query?: string; expression?: string; datasource?: { uid: string } };
}
interface Rule {
  uid: string;
  title: string;
  condition: string;
  for: string;
  noDataState: string;
  execErrState: string;
  dashboardUid?: string;
  panelId?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  data: Query[];
}
interface AlertingFile {
  apiVersion: number;
  groups?: { orgId: number; name: string; folder: string; interval: string; rules: Rule[] }[];
  contactPoints?: { orgId: number; name: string; receivers: { uid: string; type: string; settings: Record<string, unknown> }[] }[];
  policies?: { orgId: number; receiver: string; group_by?: string[] }[];
}

/** Every file of the folder, parsed as YAML 1.2; a syntax error or a duplicate key throws. */
function alertingFiles(): Map<string, AlertingFile> {
  const files = readdirSync(ALERTING).filter((f) => /\.ya?ml$/.test(f));
  return new Map(files.map((f) => [f, parse(readFileSync(ALERTING + f, 'utf8'), { strict: true, uniqueKeys: true }) as AlertingFile]));
}

/** The uid of the data source grafana/provisioning/datasources/ provisions. */
function provisionedDatasourceUid(): string {
  const dir = `${ROOT}grafana/provisioning/datasources/`;
  const uids = readdirSync(dir).flatMap((f) => (parse(readFileSync(dir + f, 'utf8')) as { datasources: { uid: string }[] }).datasources.map((d) => d.uid));
  assert.equal(uids.length, 1, 'one provisioned data source');
  return uids[0]!;
}

/** Grafana's durations in these files (prometheus/common model.ParseDuration, the units used). */
const DURATION = /^(\d+(ms|s|m|h|d))+$/;

/** What the error-rates job writes, per measurement: its tag and field names, from a real run's line protocol. */
async function writtenSchema(): Promise<Map<string, { tags: Set<string>; fields: Set<string> }>> {
  const t = 1_755_720_000;
  const input = [200, 404, 503, 200].map((status, i) => JSON.stringify({ user_id: 'u1', url: 'shop/cart', http_status: status, event_timestamp: t + i })).join('\n');
  const result = await runCli(['run', 'error-rates', '--from', '-', '--to', 'stdout', '-q'], { stdin: `${input}\n` });
  assert.equal(result.code, 0, result.stderr);
  const schema = new Map<string, { tags: Set<string>; fields: Set<string> }>();
  for (const line of result.stdout.trim().split('\n')) {
    // Plain names and a URL without spaces or commas: no escapes to read.
    const [series, fields] = line.split(' ') as [string, string];
    const [measurement, ...tags] = series.split(',');
    const entry = schema.get(measurement!) ?? { tags: new Set(), fields: new Set() };
    for (const tag of tags) entry.tags.add(tag.split('=')[0]!);
    for (const field of fields.split(',')) entry.fields.add(field.split('=')[0]!);
    schema.set(measurement!, entry);
  }
  return schema;
}

describe('grafana/provisioning/alerting: Grafana alerting file provisioning', () => {
  const files = alertingFiles();
  const all = [...files.values()];
  const groups = all.flatMap((f) => f.groups ?? []);
  const rules = groups.flatMap((g) => g.rules);
  const contactPoints = all.flatMap((f) => f.contactPoints ?? []);
  let schema: Map<string, { tags: Set<string>; fields: Set<string> }>;

  before(async () => {
    schema = await writtenSchema();
  });

  test('every file is YAML of apiVersion 1, in the folder docker-compose.yml mounts as Grafana provisioning', () => {
    assert.ok(files.size >= 3, [...files.keys()].join(', '));
    for (const [name, file] of files) assert.equal(file.apiVersion, 1, name);
    assert.match(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), /- \.\/grafana\/provisioning:\/etc\/grafana\/provisioning:ro/);
  });

  test('the rules: the three of issue 22, with unique uids, in the dashboards\' folder, with durations and states Grafana parses', () => {
    assert.deepEqual(rules.map((r) => r.uid).sort(), ['clickflow-error-rate', 'clickflow-server-errors', 'clickflow-watermark-lag']);
    const folder = (parse(readFileSync(`${ROOT}grafana/provisioning/dashboards/clickflow.yml`, 'utf8')) as { providers: { folder: string }[] }).providers[0]!.folder;
    for (const g of groups) {
      assert.equal(g.folder, folder);
      assert.match(g.interval, DURATION);
      assert.ok(g.name.length > 0);
    }
    for (const r of rules) {
      assert.match(r.uid, /^[\w-]{1,40}$/);
      assert.ok(r.title.length > 0);
      assert.match(r.for, DURATION, r.uid);
      assert.ok(['OK', 'NoData', 'Alerting', 'KeepLast'].includes(r.noDataState), `${r.uid}: noDataState ${r.noDataState}`);
      assert.ok(['OK', 'Error', 'Alerting', 'KeepLast'].includes(r.execErrState), `${r.uid}: execErrState ${r.execErrState}`);
    }
  });

  test('each rule queries the provisioned data source; its expressions and condition name refIds it has', () => {
    const uid = provisionedDatasourceUid();
    for (const r of rules) {
      const refIds = r.data.map((q) => q.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${r.uid}: unique refIds`);
      assert.ok(refIds.includes(r.condition), `${r.uid}: condition ${r.condition}`);
      for (const q of r.data) {
        assert.equal(q.model.refId, q.refId, `${r.uid} ${q.refId}: the model's refId`);
        if (q.datasourceUid === '__expr__') {
          assert.ok(['reduce', 'threshold', 'math', 'resample', 'classic_conditions'].includes(q.model.type!), `${r.uid} ${q.refId}: ${q.model.type}`);
          if (q.model.expression !== undefined) assert.ok(refIds.includes(q.model.expression), `${r.uid} ${q.refId} refers to ${q.model.expression}`);
        } else {
          assert.equal(q.datasourceUid, uid, `${r.uid} ${q.refId}`);
          assert.equal(q.model.datasource?.uid, uid, `${r.uid} ${q.refId}: the model's data source`);
          assert.ok(typeof q.model.query === 'string' && q.model.query.includes('v.defaultBucket'), `${r.uid} ${q.refId}: a Flux query of the data source's bucket`);
          assert.ok(q.relativeTimeRange !== undefined && q.relativeTimeRange.from > q.relativeTimeRange.to && q.relativeTimeRange.to >= 0, `${r.uid} ${q.refId}: a time range`);
        }
      }
    }
  });

  test('each Flux query reads measurements, fields and tags the error-rates job writes', () => {
    assert.ok(schema.has('error_rates') && schema.has('job_health'), [...schema.keys()].join(', '));
    for (const r of rules) {
      for (const q of r.data.filter((d) => d.model.query !== undefined)) {
        const flux = q.model.query!;
        const measurements = [...flux.matchAll(/r\._measurement == "([^"]+)"/g)].map((m) => m[1]!);
        assert.equal(measurements.length, 1, `${r.uid}: one measurement`);
        const written = schema.get(measurements[0]!);
        assert.ok(written !== undefined, `${r.uid}: the job writes no ${measurements[0]}`);
        for (const [, field] of flux.matchAll(/r\._field == "([^"]+)"/g)) assert.ok(written.fields.has(field!), `${r.uid}: ${measurements[0]} has no field ${field}`);
        for (const [, columns] of flux.matchAll(/group\(columns: \[([^\]]*)\]\)/g)) {
          for (const column of columns!.split(',').map((c) => c.trim().replace(/"/g, '')).filter((c) => !c.startsWith('_'))) {
            assert.ok(written.tags.has(column), `${r.uid}: ${measurements[0]} has no tag ${column}`);
          }
        }
      }
    }
  });

  test('each rule links to a panel of a provisioned dashboard', () => {
    const dashboards = readdirSync(`${ROOT}grafana/dashboards/`).map((f) => JSON.parse(readFileSync(`${ROOT}grafana/dashboards/${f}`, 'utf8')) as { uid: string; panels: { id: number; title: string }[] });
    for (const r of rules) {
      const dashboard = dashboards.find((d) => d.uid === r.dashboardUid);
      assert.ok(dashboard !== undefined, `${r.uid}: no dashboard ${r.dashboardUid}`);
      assert.ok(dashboard.panels.some((p) => p.id === r.panelId), `${r.uid}: no panel ${r.panelId}`);
    }
  });

  test('labels and annotations hold no $: provisioning would read it as an environment variable', () => {
    for (const r of rules) {
      for (const [key, text] of Object.entries({ ...r.labels, ...r.annotations })) assert.doesNotMatch(text, /\$/, `${r.uid} ${key}`);
      assert.ok(r.annotations?.summary !== undefined, `${r.uid}: a summary for the notification`);
    }
  });

  test('the contact point and the notification policy: the policy routes to a provisioned contact point', () => {
    assert.ok(contactPoints.length > 0);
    const receivers = contactPoints.flatMap((c) => c.receivers);
    assert.equal(new Set(receivers.map((r) => r.uid)).size, receivers.length, 'unique receiver uids');
    for (const r of receivers) {
      assert.ok(r.type.length > 0 && Object.keys(r.settings).length > 0, r.uid);
      // The placeholder must not reach anyone: a reserved domain that never resolves.
      if (r.type === 'webhook') assert.match(String(r.settings.url), /^https?:\/\/[^/]+\.invalid\//);
    }
    const policies = all.flatMap((f) => f.policies ?? []);
    assert.equal(policies.length, 1, 'one policy tree');
    assert.ok(contactPoints.some((c) => c.name === policies[0]!.receiver), `the policy's receiver ${policies[0]!.receiver}`);
  });
});
