import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from './cliHarness.js';

const RANGE = ['--from-time', '2026-12-06T09:00:00Z', '--to-time', '2026-12-06T10:00:00Z'];

describe('clickflow backfill and diff: bad options exit 2 with what to do, before any connection', () => {
  test('backfill', async () => {
    const cases: [string[], RegExp][] = [
      [['backfill', 'error-rates', '--to', 'none', '--to-time', '2026-12-06T10:00:00Z'], /--from-time/],
      [['backfill', 'error-rates', '--to', 'none', '--from-time', 'yesterday', '--to-time', '2026-12-06T10:00:00Z'], /"yesterday" is not an ISO-8601 time/],
      [['backfill', 'error-rates', '--to', 'none', '--from-time', '2026-12-06T10:00:00Z', '--to-time', '2026-12-06T09:00:00Z'], /--to-time: must be after --from-time/],
      [['backfill', 'error-rates', '--from', 'file:/tmp/x.jsonl', '--to', 'none', ...RANGE], /--from: a backfill reads a time range of a Kafka topic/],
      [['backfill', 'error-rates', '--to', 'influx', ...RANGE], /--influx-bucket: a backfill writes to a shadow bucket, never the live one/],
      [['backfill', 'error-rates', '--to', 'influx', '--influx-bucket', 'clickstream', ...RANGE], /never the live one \("clickstream"\)/],
      [['backfill', 'error-rates', '--to', 'none', '--group', 'clickflow-error-rates', ...RANGE], /--group: "clickflow-error-rates" is the live job's group/],
      [['backfill', 'error-rates', '--to', 'none', '--from-time', '1969-12-31T23:59:59Z', '--to-time', '2026-12-06T10:00:00Z'], /--from-time: .* is before 1970/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });

  test('diff', async () => {
    const cases: [string[], RegExp][] = [
      [['diff', '--bucket', 'a', ...RANGE], /--against/],
      [['diff', '--bucket', 'a', '--against', 'a', ...RANGE], /--against: is the same bucket as --bucket/],
      [['diff', '--bucket', 'a', '--against', 'b', '--from-time', '2026-12-06T10:00:00Z', '--to-time', '2026-12-06T10:00:00Z'], /--to-time: must be after --from-time/],
      [['diff', '--bucket', 'a', '--against', 'b', '--from-time', '1600-01-01T00:00:00Z', '--to-time', '2026-12-06T10:00:00Z'], /--from-time: 1600-01-01T00:00:00.000Z is outside the times InfluxDB holds, 1677-09-21T00:12:43.146Z to 2262-04-11T23:47:16.854Z/],
      [['diff', '--bucket', 'a', '--against', 'b', '--from-time', '2026-12-06T10:00:00Z', '--to-time', '2300-01-01T00:00:00Z'], /--to-time: 2300-01-01T00:00:00.000Z is outside the times InfluxDB holds/],
      [['diff', '--bucket', 'a', '--against', 'b', ...RANGE], /--influx-url: missing/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });
});
