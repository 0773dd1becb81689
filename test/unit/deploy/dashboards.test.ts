import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DASHBOARDS = `${ROOT}grafana/dashboards/`;

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; query: string; datasource: { type: string; uid: string } }[];
}

/** The uid of the data source grafana/provisioning/datasources/ provisions. */
function provisionedUid(): string {
  const dir = `${ROOT}grafana/provisioning/datasources/`;
  const uids = readdirSync(dir).flatMap((file) => [...readFileSync(dir + file, 'utf8').matchAll(/^\s+uid: (\S+)$/gm)].map((m) => m[1]!));
  assert.equal(uids.length, 1, 'one provisioned data source');
  return uids[0]!;
}

const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));

describe('grafana/dashboards: Grafana dashboard JSON model', () => {
  const uid = provisionedUid();

  test('there are dashboards, and the provider loads them from where docker-compose.yml mounts them', () => {
    assert.ok(files.length > 0);
    const provider = readFileSync(`${ROOT}grafana/provisioning/dashboards/clickflow.yml`, 'utf8');
    const path = /path: (\S+)/.exec(provider)![1]!;
    assert.ok(readFileSync(`${ROOT}docker-compose.yml`, 'utf8').includes(`./grafana/dashboards:${path}:ro`), path);
  });

  for (const file of files) {
    describe(file, () => {
      const dashboard = JSON.parse(readFileSync(DASHBOARDS + file, 'utf8')) as {
        uid: string;
        title: string;
        schemaVersion: number;
        refresh: string;
        time: { from: string; to: string };
        panels: Panel[];
        templating: { list: { name: string; type: string; query: string; datasource: { uid: string } }[] };
      };

      test('has a uid, a title and a schemaVersion of Grafana 10 or later', () => {
        assert.match(dashboard.uid, /^[\w-]{1,40}$/);
        assert.ok(dashboard.title.length > 0);
        assert.ok(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
      });

      test('panel ids are unique positive integers; every panel has a gridPos inside the 24 columns, none overlapping', () => {
        const ids = dashboard.panels.map((p) => p.id);
        assert.ok(ids.every((id) => Number.isInteger(id) && id > 0));
        assert.equal(new Set(ids).size, ids.length, 'unique ids');
        const cells = new Map<string, string>();
        for (const p of dashboard.panels) {
          const { x, y, w, h } = p.gridPos;
          assert.ok([x, y, w, h].every(Number.isInteger) && x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, `${p.title}: ${JSON.stringify(p.gridPos)}`);
          for (let i = x; i < x + w; i++) {
            for (let j = y; j < y + h; j++) {
              const other = cells.get(`${i},${j}`);
              assert.equal(other, undefined, `${p.title} overlaps ${other}`);
              cells.set(`${i},${j}`, p.title);
            }
          }
        }
      });

      test('rows span the 24 columns and are expanded; each panel lies between its row and the next, in the order of the list', () => {
        let top = 0;
        for (const [i, p] of dashboard.panels.entries()) {
          const bottom = p.gridPos.y + p.gridPos.h;
          if (p.type === 'row') {
            assert.deepEqual([p.gridPos.x, p.gridPos.w, p.gridPos.h], [0, 24, 1], p.title);
            assert.equal((p as Panel & { collapsed?: boolean }).collapsed, false, `${p.title} is expanded`);
            // Every panel listed before the row ends above it.
            const above = dashboard.panels.slice(0, i).map((q) => q.gridPos.y + q.gridPos.h);
            assert.ok(above.every((b) => b <= p.gridPos.y), `${p.title} is below every panel before it`);
            top = bottom;
          } else {
            assert.ok(p.gridPos.y >= top, `${p.title} is below its row`);
          }
        }
      });

      test('every target and variable queries the provisioned data source, with Flux over the dashboard’s time range', () => {
        for (const p of dashboard.panels.filter((panel) => panel.type !== 'row')) {
          assert.ok(p.targets !== undefined && p.targets.length > 0, `${p.title} has targets`);
          assert.equal(p.datasource?.uid, uid, p.title);
          for (const t of p.targets) {
            assert.deepEqual(t.datasource, { type: 'influxdb', uid }, `${p.title} ${t.refId}`);
            assert.match(t.query, /range\(start: v\.timeRangeStart, stop: v\.timeRangeStop\)/, `${p.title} ${t.refId}`);
            assert.match(t.query, /from\(bucket: v\.defaultBucket\)/);
          }
          assert.equal(new Set(p.targets.map((t) => t.refId)).size, p.targets.length, `${p.title}: unique refIds`);
        }
        for (const v of dashboard.templating.list) assert.equal(v.datasource.uid, uid, v.name);
      });

      test('every query that reads a partitioned measurement drops the partition tag from its grouping', () => {
        for (const p of dashboard.panels) {
          for (const t of p.targets ?? []) {
            // Each from() is followed, before any aggregate, by a group() that does not keep "partition".
            for (const part of t.query.split(/(?=from\(bucket)/).filter((q) => q.startsWith('from('))) {
              const group = /\|> group\(([^)]*)\)/.exec(part);
              assert.ok(group !== null, `${p.title} ${t.refId}: regroups`);
              assert.doesNotMatch(group[1]!, /partition/);
              const aggregate = part.search(/aggregateWindow|\|> sum\(\)/);
              assert.ok(aggregate === -1 || aggregate > group.index, `${p.title} ${t.refId}: groups before it aggregates`);
            }
          }
        }
      });
    });
  }

  test('"clickflow — error monitoring": refresh 5s, last 15 minutes, variables url and status, the issue’s panels', () => {
    const dashboard = JSON.parse(readFileSync(`${DASHBOARDS}error-monitoring.json`, 'utf8')) as {
      title: string;
      refresh: string;
      time: { from: string; to: string };
      panels: Panel[];
      templating: { list: { name: string }[] };
    };
    assert.equal(dashboard.title, 'clickflow — error monitoring');
    assert.equal(dashboard.refresh, '5s');
    assert.deepEqual(dashboard.time, { from: 'now-15m', to: 'now' });
    assert.deepEqual(dashboard.templating.list.map((v) => v.name), ['url', 'status']);
    assert.deepEqual(dashboard.panels.map((p) => p.title), [
      'Error rate',
      'Events per window',
      'Errors by status',
      'Top URLs by events',
      'Top URLs by error rate',
      'Job health',
      'Late records',
      'Invalid records',
      'Watermark lag',
      'Sessions',
      'Sessions per minute',
      'Bounce rate',
      'Average session duration',
      'Pages per session',
      'Sessions with a 5xx',
      'Top landing pages',
    ]);
  });
});
