import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { postgresUrl } from '../../src/testing/postgresUrl.js';
import { serviceEnv } from '../../src/testing/serviceEnv.js';
import { uniqueName } from '../../src/testing/uniqueName.js';
import { archiveDifferences, expectedArchive, readArchive } from './archivedRows.js';
import { consumeAll, type ConsumedRecord } from './consumeAll.js';
import { runCli } from './runCli.js';

const GENERATED = 20_000;
/** Events the producer does not make: no event_id, fields beyond the schema, an event_id sent twice, a NUL. */
const HANDMADE = [
  ...Array.from({ length: 50 }, (_, i) =>
    JSON.stringify({ user_id: `u${i}`, url: `/shop/item/${i}`, http_status: i % 7 === 0 ? 502 : 200, event_timestamp: 1_767_225_600 + i, event_type: 'click', action: i % 2 === 0 ? 'add_to_cart' : 'buy_now', cart: { items: i, tags: ['a', 'b'] } }),
  ),
  ...[1, 2, 3, 1, 2, 3].map((n) => JSON.stringify({ user_id: 'retrying-tracker', url: '/checkout', http_status: 200, event_timestamp: '2026-01-01T00:00:00+01:00', event_id: `dup-${n}` })),
  JSON.stringify({ user_id: 'nul', url: '/a\u0000b', http_status: 200, event_timestamp: 1_767_225_600 }),
];

describe('the archive job into PostgreSQL', () => {
  let topic: string;
  let records: ConsumedRecord[];
  let dir: string;

  before(async () => {
    const { brokers } = serviceEnv();
    topic = uniqueName('archive');
    dir = mkdtempSync(join(tmpdir(), 'clickflow-archive-'));
    const produced = await runCli(['produce', '--brokers', brokers, '--topic', topic, '--partitions', '3', '--seed', '22', '--count', String(GENERATED), '--invalid', '0.01']);
    assert.equal(produced.code, 0, produced.stderr);
    const kafka = new Kafka({ clientId: 'test', brokers: [brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    // One partition: the first of each event_id is then the one read first.
    await producer.send({ topic, messages: HANDMADE.map((value) => ({ value, partition: 0 })) });
    await producer.disconnect();
    records = await consumeAll(brokers, topic, GENERATED + HANDMADE.length, 120_000);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const archive = (table: string, from: string[], extra: string[] = [], url = postgresUrl()) =>
    runCli(['run', 'archive', ...from, '--to', 'none', '--output', `events=${url}?table=${table}`, ...extra], { KAFKA_BROKERS: serviceEnv().brokers });

  test('from Kafka: one row per valid event, with its columns and the rest as jsonb; a second run from the start adds none', async () => {
    const table = uniqueName('events').replace('-', '_');
    const group = uniqueName('archive');
    const first = await archive(table, ['--from', 'kafka', '--topic', topic, '--group', group, '--bounded', '--commit-interval', '500ms']);
    assert.equal(first.code, 0, first.stderr);
    const expected = expectedArchive(records, topic);
    const stored = await readArchive(postgresUrl(), table);
    assert.ok(expected.size > GENERATED * 0.98 && expected.size < GENERATED + HANDMADE.length, `expected rows: ${expected.size}`);
    assert.deepEqual(archiveDifferences(stored.rows, expected).slice(0, 10), [], 'rows that differ from the events');
    assert.equal(stored.total, expected.size, 'one row per valid event');
    const handmade = [...stored.rows.values()].filter((row) => row.url.startsWith('/shop/item/'));
    assert.equal(handmade.length, 50, 'events without event_id are kept, each by its position');
    assert.deepEqual(handmade.find((row) => row.user_id === 'u3')?.extra, { event_type: 'click', action: 'buy_now', cart: { items: 3, tags: ['a', 'b'] } });
    assert.equal([...stored.rows.values()].filter((row) => row.user_id === 'retrying-tracker').length, 3, 'an event_id sent twice is stored once');
    assert.equal(stored.rows.get('dup-1')?.event_time_ms, Date.parse('2025-12-31T23:00:00Z'));
    assert.match(first.stderr, /unstorable_text[^0-9]*1\b|1 unstorable_text/, 'the event PostgreSQL cannot store is dead-lettered');
    assert.doesNotMatch(first.stderr, /clickflow-local/, 'the password never shows');

    // Another group re-reads the whole topic: every event is already there.
    const again = await archive(table, ['--from', 'kafka', '--topic', topic, '--group', uniqueName('archive-again'), '--bounded']);
    assert.equal(again.code, 0, again.stderr);
    const afterRerun = await readArchive(postgresUrl(), table);
    assert.equal(afterRerun.total, expected.size, 'a rerun adds no row');
    assert.deepEqual(archiveDifferences(afterRerun.rows, stored.rows), []);
  });

  test('from a file: a rerun over the same file keeps one row per event, those without event_id too', async () => {
    const table = uniqueName('file_events').replace('-', '_');
    const path = join(dir, 'events.jsonl');
    // A file is one partition whose positions are line numbers (from 1).
    const lines = records.map((r) => r.value);
    writeFileSync(path, `${lines.join('\n')}\n`);
    for (let run = 0; run < 2; run++) {
      const result = await archive(table, ['--from', `file:${path}`]);
      assert.equal(result.code, 0, result.stderr);
    }
    const expected = expectedArchive(lines.map((value, i) => ({ partition: 0, offset: i + 1, value })), `file:${path}`);
    const stored = await readArchive(postgresUrl(), table);
    assert.equal(stored.total, expected.size);
    assert.deepEqual(archiveDifferences(stored.rows, expected).slice(0, 10), []);
  });

  test('a refused password fails the run with exit 1, a message that says what to check, and no password', async () => {
    const url = new URL(postgresUrl());
    url.password = 'not-the-password';
    const result = await archive('never_created', ['--from', 'kafka', '--topic', topic, '--group', uniqueName('refused'), '--bounded'], [], url.toString());
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /password authentication failed.*PGPASSWORD/s);
    assert.doesNotMatch(result.stderr, /not-the-password/);
  });
});
