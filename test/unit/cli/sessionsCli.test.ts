import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from './cliHarness.js';

const T0 = 1735689600;
const ev = (user: string, url: string, status: number, seconds: number) => JSON.stringify({ user_id: user, url, http_status: status, event_timestamp: T0 + seconds });

// ann: two pages 10 s apart, then one 5 minutes later (a second session with a 1m gap); bob: one page, a 503.
const LINES = [ev('ann', '/home', 200, 0), ev('bob', '/cart', 503, 5), ev('ann', '/shop', 200, 10), ev('ann', '/home', 200, 310)];

describe('clickflow run sessions and clickflow describe', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    dir = await tempDir('clickflow-sessions-');
    await writeFile(dir.path('events.jsonl'), `${LINES.join('\n')}\n`);
  });
  after(() => dir.remove());

  test('writes each session to --output sessions=file:…, the statistics to --to, and counts the records out in its summary', async () => {
    const result = await runCli(['run', 'sessions', '--from', `file:${dir.path('events.jsonl')}`, '--to', `file:${dir.path('stats.lp')}`, '--output', `sessions=file:${dir.path('sessions.jsonl')}`, '--gap', '1m']);
    assert.equal(result.code, 0, result.stderr);
    const sessions = (await readFile(dir.path('sessions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      sessions.map((s) => [s.user_id, s.pages, s.duration_ms, s.bounced, s.server_errors, s.landing_url]).sort(),
      [
        ['ann', 1, 0, true, 0, '/home'],
        ['ann', 2, 10_000, false, 0, '/home'],
        ['bob', 1, 0, true, 1, '/cart'],
      ].sort(),
    );
    const stats = await readFile(dir.path('stats.lp'), 'utf8');
    assert.match(stats, /^session_stats sessions=2i,bounces=1i,bounce_rate=0.5,/m, 'ann’s first and bob’s sessions end (last page + 1m) in the same minute');
    assert.match(result.stderr, /sessions: 4 records in .*, 3 records out/);
  });

  test('a record output the job does not have, two outputs on stdout, or --window are refused with exit 2 before anything is written', async () => {
    const base = ['run', 'sessions', '--from', `file:${dir.path('events.jsonl')}`];
    const unknown = await runCli([...base, '--to', 'none', '--output', `visits=file:${dir.path('v.jsonl')}`]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no record output "visits"; its record outputs: sessions/);
    const twice = await runCli([...base, '--output', 'sessions=stdout']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--to and --output sessions both write to stdout/);
    const window = await runCli([...base, '--window', '1m']);
    assert.equal(window.code, 2);
    assert.match(window.stderr, /session windows/);
  });

  test('from Kafka it is not refused: its moves go through internal topics, so it gets as far as the brokers', async () => {
    const result = await runCli(['run', 'sessions', '--from', 'kafka', '--bounded', '--brokers', '127.0.0.1:1', '--to', 'none'], { timeoutMs: 60_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /cannot reach Kafka at 127\.0\.0\.1:1/);
    assert.doesNotMatch(result.stderr, /cannot run from Kafka/);
  });

  test('describe prints the graph: the move by user, the session window, both outputs, and where the job can run', async () => {
    const result = await runCli(['describe', 'sessions', '--gap', '10m']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^job sessions/);
    assert.match(result.stdout, /move by key[\s\S]*window: event-time sessions, gap 10m, per key/);
    assert.match(result.stdout, /output: records "sessions"/);
    assert.match(result.stdout, /output: points/);
    assert.match(result.stdout, /from Kafka each move goes through an internal topic of the consumer group \(<group>-move-1-repartition, <group>-move-2-repartition, <group>-move-3-repartition\)/);
    const errorRates = await runCli(['describe', 'error-rates']);
    assert.doesNotMatch(errorRates.stdout, /move by key/);
    assert.match(errorRates.stdout, /tumbling event-time 10s, per partition/);
  });
});
