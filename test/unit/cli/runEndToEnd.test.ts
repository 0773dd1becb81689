import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { formatDuration } from '../../../src/time/parseDuration.js';
import { runCli, tempDir } from './cliHarness.js';

// 2025-01-01T00:00:00Z in epoch seconds: a multiple of 10, so windows of 10 s start on it.
const T0 = 1735689600;
const ns = (seconds: number) => `${BigInt(seconds) * 1_000_000_000n}`;

const ev = (user: string, url: string, status: number | string, ts: number | string, extra: object = {}) =>
  JSON.stringify({ user_id: user, url, http_status: status, event_timestamp: ts, ...extra });

/**
 * A hand-written clickstream; line numbers (1-based) matter for the dead-letter positions.
 * Windows are 10 s, out-of-orderness 5 s (defaults): [T0, T0+10) fires on the first event
 * at or after T0+15, the others at the end of the file.
 */
const LINES: string[] = [
  /* 1 */ ev('u1', '/home', 200, T0), //                                  W0
  /* 2 */ ev('u2', '/cart', 404, T0 + 1.5), //                            W0
  /* 3 */ '{"user_id":"u3","url":', //                                    not_json
  /* 4 */ ev('u3', '/home', 503, '2025-01-01T00:00:03.250Z'), //          W0 (ISO time)
  /* 5 */ ev('u4', '/search?q=a b,c=d', 200, T0 + 9.9994), //             W0 (rounds to T0+9.999 s)
  /* 6 */ ev('u5', '/home', 200, T0 + 9.9996), //                         W1 (rounds to T0+10.000 s)
  /* 7 */ JSON.stringify({ url: '/home', http_status: 200, event_timestamp: T0 + 2 }), // missing_field
  /* 8 */ ev('u5', '/cart', '500', T0 + 2), //                            wrong_type
  /* 9 */ ev('u6', '/cart', 700, T0 + 2), //                              status_out_of_range
  /* 10 */ ev('u7', '/cart', 200, 'yesterday'), //                        bad_timestamp
  /* 11 */ '[1,2,3]', //                                                  not_an_object
  /* 12 */ '', //                                                         skipped
  /* 13 */ ev('u1', '/home', 500, T0 + 12), //                            W1
  /* 14 */ ev('u2', '/cart', 201, T0 + 15, { session_id: 's1', method: 'GET', latency_ms: 12 }), // W1; fires W0
  /* 15 */ ev('u3', '/home', 429, T0 + 11), //                            W1, out of order within 5 s
  /* 16 */ ev('u8', '/cart', 404, T0 + 13), //                            W1
  /* 17 */ ev('u9', '/home', 200, T0 + 5), //                             late for W0 (fired)
  /* 18 */ ev('u1', '/home', 200, T0 + 20), //                            W2
];
const INPUT = `${LINES.join('\n')}\n`;

const W0 = [
  `url_counts,partition=0,url=/home count=2i ${ns(T0)}`,
  `url_counts,partition=0,url=/cart count=1i ${ns(T0)}`,
  `url_counts,partition=0,url=/search?q\\=a\\ b\\,c\\=d count=1i ${ns(T0)}`,
  `status_counts,partition=0,status=200 count=2i ${ns(T0)}`,
  `status_counts,partition=0,status=404 count=1i ${ns(T0)}`,
  `status_counts,partition=0,status=503 count=1i ${ns(T0)}`,
  `error_rates,partition=0 total=4i,errors=2i,client_errors=1i,server_errors=1i,rate=0.5 ${ns(T0)}`,
];
const W1 = [
  `url_counts,partition=0,url=/home count=3i ${ns(T0 + 10)}`,
  `url_counts,partition=0,url=/cart count=2i ${ns(T0 + 10)}`,
  `status_counts,partition=0,status=200 count=1i ${ns(T0 + 10)}`,
  `status_counts,partition=0,status=201 count=1i ${ns(T0 + 10)}`,
  `status_counts,partition=0,status=404 count=1i ${ns(T0 + 10)}`,
  `status_counts,partition=0,status=429 count=1i ${ns(T0 + 10)}`,
  `status_counts,partition=0,status=500 count=1i ${ns(T0 + 10)}`,
  `error_rates,partition=0 total=5i,errors=3i,client_errors=2i,server_errors=1i,rate=0.6 ${ns(T0 + 10)}`,
];
const W2 = [
  `url_counts,partition=0,url=/home count=1i ${ns(T0 + 20)}`,
  `status_counts,partition=0,status=200 count=1i ${ns(T0 + 20)}`,
  `error_rates,partition=0 total=1i,errors=0i,client_errors=0i,server_errors=0i,rate=0 ${ns(T0 + 20)}`,
];
const EXPECTED = [...W0, ...W1, ...W2];

const EXPECTED_DEAD = [
  { position: 3, reason: 'not_json' },
  { position: 7, reason: 'missing_field' },
  { position: 8, reason: 'wrong_type' },
  { position: 9, reason: 'status_out_of_range' },
  { position: 10, reason: 'bad_timestamp' },
  { position: 11, reason: 'not_an_object' },
];

const linesOf = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** The measurements that are the same on every replay; `url_errors` and `job_health` are tested on their own. */
const resultsOf = (text: string) => linesOf(text).filter((line) => /^(url_counts|status_counts|error_rates),/.test(line));

/** Statuses >= 400 per URL, in the URLs' order of first appearance in each window. */
const URL_ERRORS = [
  `url_errors,partition=0,url=/home errors=1i ${ns(T0)}`,
  `url_errors,partition=0,url=/cart errors=1i ${ns(T0)}`,
  `url_errors,partition=0,url=/home errors=2i ${ns(T0 + 10)}`,
  `url_errors,partition=0,url=/cart errors=1i ${ns(T0 + 10)}`,
];

describe('clickflow run error-rates on files', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir('run');
    await writeFile(tmp.path('in.jsonl'), INPUT);
  });
  after(() => tmp.remove());

  test('writes the expected windows, dead letters and late records', async () => {
    const result = await runCli([
      'run', 'error-rates',
      '--from', `file:${tmp.path('in.jsonl')}`,
      '--to', `file:${tmp.path('out.lp')}`,
      '--dead-letter', `file:${tmp.path('dead.jsonl')}`,
      '--late-output', `file:${tmp.path('late.jsonl')}`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '', 'points go to the file, not stdout');
    const written = await readFile(tmp.path('out.lp'), 'utf8');
    assert.deepEqual(resultsOf(written), EXPECTED);
    assert.deepEqual(linesOf(written).filter((line) => line.startsWith('url_errors,')), URL_ERRORS);

    const dead = linesOf(await readFile(tmp.path('dead.jsonl'), 'utf8')).map(
      (line) => JSON.parse(line) as { reason: string; detail: string; partition: number; position: number; raw: string },
    );
    assert.deepEqual(dead.map((d) => ({ position: d.position, reason: d.reason })), EXPECTED_DEAD);
    for (const d of dead) {
      assert.equal(d.raw, LINES[d.position - 1], 'the dead letter carries the original line');
      assert.equal(d.partition, 0);
      assert.ok(d.detail.length > 0);
    }

    const late = linesOf(await readFile(tmp.path('late.jsonl'), 'utf8')).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(late.length, 1);
    assert.equal(late[0]!.position, 17);
    assert.equal(late[0]!.event_time, '2025-01-01T00:00:05.000Z');
    // Watermark after T0+15 s with 5 s out-of-orderness: T0+10 s − 1 ms.
    assert.equal(late[0]!.watermark, '2025-01-01T00:00:09.999Z');
    // The record exactly as it was read, not the parsed object with engine fields added.
    assert.equal(typeof late[0]!.raw, 'string');
    assert.equal((JSON.parse(late[0]!.raw as string) as { user_id: string }).user_id, 'u9');
    assert.ok(!(late[0]!.raw as string).includes('eventTimeMs'));
    assert.equal(late[0]!.late_by_ms, Date.parse('2025-01-01T00:00:09.999Z') - Date.parse('2025-01-01T00:00:05.000Z'));

    // The exit summary: 17 non-empty lines, 6 invalid (one of each reason), 1 late, 3 windows,
    // 18 result points + 4 url_errors + 3 job_health.
    assert.match(result.stderr, /error-rates: 17 records in/);
    assert.match(result.stderr, /6 invalid \(/);
    for (const reason of ['not_json', 'not_an_object', 'missing_field', 'wrong_type', 'status_out_of_range', 'bad_timestamp']) {
      assert.match(result.stderr, new RegExp(`1 ${reason}`));
    }
    assert.match(result.stderr, /1 late, 3 window firings, 25 points out/);
  });

  test('job_health: per firing, the window’s records, the late and invalid records read before it, and the watermark lag', async () => {
    const startedMs = Date.now();
    const result = await runCli(['run', 'error-rates', '--from', `file:${tmp.path('in.jsonl')}`, '-q']);
    const endedMs = Date.now();
    assert.equal(result.code, 0, result.stderr);
    const health = linesOf(result.stdout).filter((line) => line.startsWith('job_health,'));
    // W0 fires at line 14, after the six invalid lines 3 and 7–11; W1 at the end, after the late
    // line 17 (late by T0+9.999 − T0+5); W2 with it, taking nothing.
    const expected = [
      { start: T0, fields: 'records=4i,late_records=0i,invalid_records=6i', watermarkMs: (T0 + 10) * 1000 - 1, lateBy: 'late_by_max_ms=0i,late_by_p99_ms=0i' },
      { start: T0 + 10, fields: 'records=5i,late_records=1i,invalid_records=0i', watermarkMs: (T0 + 15) * 1000 - 1, lateBy: 'late_by_max_ms=4999i,late_by_p99_ms=4999i' },
      { start: T0 + 20, fields: 'records=1i,late_records=0i,invalid_records=0i', watermarkMs: (T0 + 15) * 1000 - 1, lateBy: 'late_by_max_ms=0i,late_by_p99_ms=0i' },
    ];
    assert.equal(health.length, expected.length, health.join('\n'));
    for (const [i, line] of health.entries()) {
      const e = expected[i]!;
      const match = new RegExp(`^job_health,partition=0,firing=0 ${e.fields},watermark_lag_ms=(\\d+)i,${e.lateBy} ${ns(e.start)}$`).exec(line);
      assert.ok(match !== null, line);
      const lagMs = Number(match[1]);
      assert.ok(lagMs >= startedMs - e.watermarkMs && lagMs <= endedMs - e.watermarkMs, `lag ${lagMs} of ${line}`);
    }
  });

  test('reads stdin with --from - and writes stdout', async () => {
    const result = await runCli(['run', 'error-rates', '--from', '-', '--to', 'stdout', '-q'], { stdin: INPUT });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(resultsOf(result.stdout), EXPECTED);
    assert.equal(result.stderr, '', '--quiet prints no summary');
  });

  test('--quiet keeps the log to warnings: a record output left unconnected is not reported, unless asked for', async () => {
    const quiet = await runCli(['run', 'sessions', '--from', '-', '--to', 'none', '-q'], { stdin: INPUT, logLevel: null });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');
    const loud = await runCli(['run', 'sessions', '--from', '-', '--to', 'none'], { stdin: INPUT, logLevel: null });
    assert.equal(loud.code, 0, loud.stderr);
    assert.match(loud.stderr, /record output \\"sessions\\" is not connected/);
  });

  test('--allowed-lateness re-emits the fired window with the late record counted', async () => {
    const result = await runCli(['run', 'error-rates', '--from', `file:${tmp.path('in.jsonl')}`, '--allowed-lateness', '10s', '-q']);
    assert.equal(result.code, 0, result.stderr);
    // Line 17 (/home 200 at T0+5) joins W0, which fires again in full: 5 events, 2 errors.
    const W0Again = [
      `url_counts,partition=0,url=/home count=3i ${ns(T0)}`,
      `url_counts,partition=0,url=/cart count=1i ${ns(T0)}`,
      `url_counts,partition=0,url=/search?q\\=a\\ b\\,c\\=d count=1i ${ns(T0)}`,
      `status_counts,partition=0,status=200 count=3i ${ns(T0)}`,
      `status_counts,partition=0,status=404 count=1i ${ns(T0)}`,
      `status_counts,partition=0,status=503 count=1i ${ns(T0)}`,
      `error_rates,partition=0 total=5i,errors=2i,client_errors=1i,server_errors=1i,rate=0.4 ${ns(T0)}`,
    ];
    assert.deepEqual(resultsOf(result.stdout), [...W0, ...W0Again, ...W1, ...W2]);
    // The re-emission's health is a point of its own (firing=1), so it does not replace the first one's.
    const health = linesOf(result.stdout).filter((line) => line.startsWith('job_health,partition=0,') && line.endsWith(` ${ns(T0)}`));
    assert.deepEqual(
      health.map((line) => line.replace(/watermark_lag_ms=\d+i/, 'watermark_lag_ms=<lag>').replace(/ \d+$/, '')),
      [
        'job_health,partition=0,firing=0 records=4i,late_records=0i,invalid_records=6i,watermark_lag_ms=<lag>,late_by_max_ms=0i,late_by_p99_ms=0i',
        'job_health,partition=0,firing=1 records=5i,late_records=0i,invalid_records=0i,watermark_lag_ms=<lag>,late_by_max_ms=0i,late_by_p99_ms=0i',
      ],
    );
  });

  test('--window and --max-out-of-orderness change the windows', async () => {
    // 20 s windows from T0 with 0 s out-of-orderness: line 15 (T0+11 after T0+15) is still in [T0, T0+20),
    // and line 17 (T0+5) too, since nothing reached T0+20 before it. Line 18 (T0+20) opens [T0+20, T0+40).
    const result = await runCli([
      'run', 'error-rates', '--from', `file:${tmp.path('in.jsonl')}`, '--window', '20s', '--max-out-of-orderness', '0s', '-q',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const rates = linesOf(result.stdout).filter((l) => l.startsWith('error_rates'));
    assert.deepEqual(rates, [
      // Lines 1,2,4,5,6,13,14,15,16,17; errors: 404, 429, 404 (client) and 503, 500 (server).
      `error_rates,partition=0 total=10i,errors=5i,client_errors=3i,server_errors=2i,rate=0.5 ${ns(T0)}`,
      `error_rates,partition=0 total=1i,errors=0i,client_errors=0i,server_errors=0i,rate=0 ${ns(T0 + 20)}`,
    ]);
  });
});

describe('clickflow usage errors exit 2 with a helpful message', { concurrency: 4 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let input: string;
  before(async () => {
    tmp = await tempDir('usage');
    input = tmp.path('in.jsonl');
    await writeFile(input, INPUT);
  });
  after(() => tmp.remove());

  const cases: { name: string; args: () => string[]; stderr: RegExp[] }[] = [
    { name: 'an unknown flag', args: () => ['run', 'error-rates', '--from', `file:${input}`, '--bogus'], stderr: [/unknown option '--bogus'/, /--help/] },
    { name: 'a bad duration', args: () => ['run', 'error-rates', '--from', `file:${input}`, '--window', '10x'], stderr: [/--window/, /"10x"/, /500ms, 10s, 5m, 1h/] },
    { name: 'a duration without a unit', args: () => ['run', 'error-rates', '--from', `file:${input}`, '--max-out-of-orderness', '5'], stderr: [/--max-out-of-orderness/, /"5"/] },
    { name: '--rate -1', args: () => ['produce', '--dry-run', '--count', '1', '--rate', '-1'], stderr: [/--rate/, /"-1"/, /greater than 0/] },
    { name: '--error-rate 2', args: () => ['produce', '--dry-run', '--count', '1', '--error-rate', '2'], stderr: [/--error-rate/, /"2"/, /from 0 to 1/] },
    { name: 'a bad --burst', args: () => ['produce', '--dry-run', '--count', '1', '--burst', '503:0.5'], stderr: [/--burst/, /503:0\.5:30s@5m/] },
    { name: 'an unknown job', args: () => ['run', 'error-ratez', '--from', `file:${input}`], stderr: [/"error-ratez"/, /error-rates/] },
    { name: 'a bad source scheme', args: () => ['run', 'error-rates', '--from', 'http://example.com/x'], stderr: [/--from/, /file:PATH/, /stdin/] },
    { name: 'a bad sink scheme', args: () => ['run', 'error-rates', '--from', `file:${input}`, '--to', 'kafka'], stderr: [/--to/, /influx, stdout, file:PATH for a line-protocol file, or none/] },
    { name: 'a bad dead-letter scheme', args: () => ['run', 'error-rates', '--from', `file:${input}`, '--dead-letter', 'stdout'], stderr: [/--dead-letter/, /file:PATH/] },
    { name: 'file: without a path', args: () => ['run', 'error-rates', '--from', 'file:'], stderr: [/needs a path/] },
    { name: 'a missing --from', args: () => ['run', 'error-rates'], stderr: [/--from/] },
    { name: 'an unknown command', args: () => ['submitt'], stderr: [/submitt/] },
    { name: '--slide longer than --window', args: () => ['run', 'error-rates', '--from', `file:${input}`, '--slide', '20s'], stderr: [/--slide/, /20s/, /10s/] },
    { name: '--bounded on a file', args: () => ['run', 'error-rates', '--from', `file:${input}`, '--bounded'], stderr: [/--bounded/, /kafka/] },
    { name: 'an empty --group', args: () => ['run', 'error-rates', '--from', 'kafka', '--group', ''], stderr: [/--group: must not be empty/] },
    { name: 'a topic name Kafka refuses', args: () => ['run', 'error-rates', '--from', 'kafka', '--topic', 'a/b'], stderr: [/--topic: "a\/b" is not a Kafka topic name; use 1 to 249 letters/] },
    { name: 'a dead-letter topic name Kafka refuses', args: () => ['run', 'error-rates', '--from', `file:${input}`, '--dead-letter', 'kafka:x y'], stderr: [/--dead-letter: "x y" is not a Kafka topic name/] },
    { name: '--count with --duration', args: () => ['produce', '--dry-run', '--count', '5', '--duration', '1s'], stderr: [/--count/, /--duration/] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const result = await runCli(c.args());
      assert.equal(result.code, 2, `exit code; stderr: ${result.stderr}`);
      assert.equal(result.stdout, '', 'nothing on stdout');
      for (const pattern of c.stderr) assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  test('a missing input file is a usage error (exit 2) that names the option and the file', async () => {
    const missing = tmp.path('nope.jsonl');
    const result = await runCli(['run', 'error-rates', '--from', `file:${missing}`, '-q']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^error: --from: /);
    assert.ok(result.stderr.includes(missing), result.stderr);
    assert.match(result.stderr, /ENOENT/);
    assert.match(result.stderr, /exists/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  test('an output file that cannot be created is found before the run: exit 2, naming the option and the file', async () => {
    const out = tmp.path('no-such-dir/out.lp');
    const result = await runCli(['run', 'error-rates', '--from', `file:${input}`, '--to', `file:${out}`, '-q']);
    assert.equal(result.code, 2, result.stderr);
    assert.ok(result.stderr.startsWith(`error: --to: cannot write ${out} (ENOENT: no such directory)`), result.stderr);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  test('--help exits 0 and lists the options', async () => {
    const result = await runCli(['run', '--help']);
    assert.equal(result.code, 0);
    for (const option of ['--from', '--to', '--window', '--dead-letter', '--allowed-lateness']) assert.ok(result.stdout.includes(option), option);
    // Defaults shown are those of config/defaults.ts, written as durations.
    // A job declares its windows; the help names the shipped job's, from config/defaults.ts, as durations.
    const help = result.stdout.replace(/\s+/g, ' ');
    assert.match(help, new RegExp(`--window <duration> window size \\(default: the job's; error-rates: ${formatDuration(DEFAULTS.windowMs)}`));
    assert.ok(help.includes(`else ${formatDuration(DEFAULTS.maxOutOfOrdernessMs)})`));
    assert.ok(help.includes('./my-job.js'), 'a job module may be given');
    const produce = await runCli(['produce', '--help']);
    assert.equal(produce.code, 0);
    assert.match(produce.stdout, new RegExp(`share of 4xx/5xx statuses \\(default: ${DEFAULTS.producer.errorRate}\\)`));
  });
});
