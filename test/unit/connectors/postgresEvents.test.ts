import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseRecordOutput } from '../../../src/cli/Endpoint.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { createTableStatements, EventColumns, insertStatement } from '../../../src/connectors/postgres/eventTable.js';
import { isRetriablePostgresError, postgresErrorOf } from '../../../src/connectors/postgres/postgresErrorOf.js';
import { parsePostgresTarget } from '../../../src/connectors/postgres/PostgresTarget.js';
import { PostgresWriteError } from '../../../src/connectors/postgres/PostgresWriteError.js';
import { redactArgs } from '../../../src/jobmanager/redactArgs.js';

describe('the PostgreSQL output', () => {
  test('--output NAME=postgres://… names a PostgreSQL output; a bad destination is refused without echoing it', () => {
    assert.deepEqual(parseRecordOutput('events=postgresql://u:pw@db:5432/clicks'), { name: 'events', endpoint: { kind: 'postgres', url: 'postgresql://u:pw@db:5432/clicks' } });
    assert.throws(
      () => parseRecordOutput('events=postgress://u:s3cret@db/clicks'),
      (error: unknown) => error instanceof InvalidArgumentError && !error.message.includes('s3cret') && /postgres:\/\/USER@HOST/.test(error.message),
    );
  });

  test('the URL: its table parameter is the table (default click_events) and goes no further; descriptions carry no user or password', () => {
    const target = parsePostgresTarget('postgres://writer:s3cret@db.example:5433/clicks?table=archive.raw_events&sslmode=require', '--output events');
    assert.equal(target.table, 'archive.raw_events');
    assert.equal(target.connectionString, 'postgres://writer:s3cret@db.example:5433/clicks?sslmode=require');
    assert.equal(target.description, 'postgres db.example:5433/clicks table archive.raw_events');
    assert.equal(parsePostgresTarget('postgres://db/clicks', 'x').table, 'click_events');
    for (const bad of ['postgres://db/clicks?table=Events', 'postgres://db/c?table=a;drop', 'postgres://db/c?table=a.b.c', 'http://db/clicks', 'postgres:///clicks']) {
      assert.throws(() => parsePostgresTarget(bad, '--output events'), ConfigError, bad);
    }
  });

  test('a submitted job shows a PostgreSQL URL without its password', () => {
    assert.deepEqual(redactArgs(['--output', 'events=postgres://writer:s3cret@db:5432/clicks?table=t']), ['--output', 'events=postgres://writer:***@db:5432/clicks?table=t']);
  });

  test('rows: the schema’s fields in their columns, the rest as jsonb, the source position; unique by event_id, else by position', () => {
    const columns = new EventColumns();
    columns.add(JSON.stringify({ partition: 2, offset: 17, event_time_ms: 1_735_689_600_500, event: { user_id: 'u', url: '/a', http_status: 200, event_timestamp: 1_735_689_600.5, latency_ms: 12.5, event_type: 'click', cart: { items: 2 } } }), 'clickstream');
    columns.add(JSON.stringify({ partition: 0, offset: 3, event_time_ms: 0, event: { user_id: 'v', url: '/b', http_status: 404, event_timestamp: '1970-01-01T00:00:00Z', event_id: 'e9', session_id: 's' } }), 'clickstream');
    assert.equal(columns.rows, 2);
    const rows = [0, 1].map((r) => columns.values.map((column) => column[r]));
    // event_id, user_id, session_id, url, http_status, method, referrer, user_agent, latency_ms, event_time, extra, source, partition, offset
    assert.deepEqual(rows[0], [null, 'u', null, '/a', 200, null, null, null, 12.5, '2025-01-01T00:00:00.500Z', '{"event_type":"click","cart":{"items":2}}', 'clickstream', 2, 17]);
    assert.deepEqual(rows[1], ['e9', 'v', 's', '/b', 404, null, null, null, null, '1970-01-01T00:00:00.000Z', null, 'clickstream', 0, 3]);
    assert.throws(() => columns.add(JSON.stringify({ user_id: 'a', pages: 3 }), 'x'), (e: unknown) => e instanceof PostgresWriteError && !e.retriable && /archive job/.test(e.message));
    assert.match(insertStatement('click_events'), /^INSERT INTO "click_events" \(event_id, .*source_offset\) SELECT \* FROM unnest\(\$1::text\[\].*\$14::bigint\[\]\) ON CONFLICT DO NOTHING$/);
    const create = createTableStatements('archive.events').join(';\n');
    assert.match(create, /CREATE UNIQUE INDEX IF NOT EXISTS "events_event_id" ON "archive"."events" \(event_id\)/);
    assert.match(create, /\(source, source_partition, source_offset\) WHERE event_id IS NULL/);
  });

  test('failures: a lost or refused connection and a server shutting down are retried; a refused password or a bad statement is not, and says what to check', () => {
    const sqlError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
    assert.equal(isRetriablePostgresError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })), true);
    assert.equal(isRetriablePostgresError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })), true);
    assert.equal(isRetriablePostgresError(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isRetriablePostgresError(sqlError('57P01', 'terminating connection due to administrator command')), true);
    assert.equal(isRetriablePostgresError(sqlError('08006', 'connection failure')), true);
    assert.equal(isRetriablePostgresError(sqlError('28P01', 'password authentication failed for user "w"')), false);
    assert.equal(isRetriablePostgresError(sqlError('42703', 'column "extra" does not exist')), false);
    const refused = postgresErrorOf(sqlError('28P01', 'password authentication failed for user "w"'), 'postgres db:5432/clicks table t', true);
    assert.equal(refused.retriable, false);
    assert.match(refused.message, /^cannot write to postgres db:5432\/clicks table t: password authentication failed .*PGPASSWORD/);
  });
});
