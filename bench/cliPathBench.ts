// npm run bench:cli — the real command line, `clickflow run error-rates --from file:X --to
// file:Y -q`, as a child process, against a bare chunked JSON.parse loop over the same file
// (bareParseLoop.ts, reading it as fileSource does), in the same run. Rounds alternate which
// of the two goes first, so that drift on a shared machine hits both alike; the figure is the
// median over rounds of (bare time / CLI time), i.e. the CLI's throughput as a share of the
// bare loop's. Both are timed from spawn to exit, so the CLI's start-up, imports and exit
// count, as they do for a user. CPU time (all threads, from the child's own resource usage)
// is shown beside wall time: on a loaded machine it is the steadier of the two.
//
// Also measured, as separate figures: both on an empty file, i.e. the fixed cost of start-up;
// and both over short, point-dense events, where writing the points outweighs parsing.
// And the sessions job, whose records move between partitions by user, against error-rates on
// the same file, alternating: (sessions) its throughput as a share of error-rates' (goal >= 50%).
//
// Settings (environment): CLI_BENCH_EVENTS (1000000), CLI_BENCH_ROUNDS (7),
// CLI_BENCH_INPUT=path to use an existing JSON-lines file instead of generating one with
// `clickflow produce --dry-run --seed 1`.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from './seededRandom.js';
import { benchSetting } from './benchSetting.js';
import { median } from './median.js';

const EVENTS = benchSetting('CLI_BENCH_EVENTS', 1_000_000);
const ROUNDS = benchSetting('CLI_BENCH_ROUNDS', 7);
const CLI = fileURLToPath(new URL('../../bin/clickflow.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bareParseLoop.js', import.meta.url));
const PRELOAD = new URL('./reportUsageOnExit.js', import.meta.url).href;

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMb: number;
  readonly stdout: string;
}

const dir = await mkdtemp(join(tmpdir(), 'clickflow-cli-bench-'));
const usageFile = join(dir, 'usage.json');

/** Runs `node --import PRELOAD ...args` to the end (stdout to a file when given); times it from spawn to exit. */
function run(args: readonly string[], stdoutTo?: string): Promise<Sample> {
  const fd = stdoutTo === undefined ? undefined : openSync(stdoutTo, 'w');
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', PRELOAD, ...args], {
      env: { ...process.env, CLI_BENCH_USAGE_FILE: usageFile, CLICKFLOW_LOG_LEVEL: 'warn' },
      stdio: ['ignore', fd ?? 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (fd !== undefined) closeSync(fd);
      if (code !== 0) {
        reject(new Error(`node ${args.join(' ')} exited with ${code}`));
        return;
      }
      readFile(usageFile, 'utf8').then((text) => {
        const usage = JSON.parse(text) as NodeJS.ResourceUsage;
        resolve({ wallMs, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMb: usage.maxRSS / 1024, stdout });
      }, reject);
    });
  });
}

const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/** `count` short click events as JSON lines: 300 URLs, 1,000 users, 5 % server errors, 20 ms apart, from a fixed seed. */
function shortEvents(count: number): string {
  const next = seededRandom(12_345);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const status = next() < 0.05 ? 503 : 200;
    lines.push(`{"user_id":"u${Math.floor(next() * 1_000)}","url":"/p/${Math.floor(next() * 300)}","http_status":${status},"event_timestamp":${(1_735_689_600 + i * 0.02).toFixed(2)}}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Alternating rounds of the bare loop and the CLI over `input`; ratios per round. */
async function compare(input: string, rounds: number, label: string) {
  const bare: Sample[] = [];
  const cli: Sample[] = [];
  const output = join(dir, 'points.lp');
  const runBare = async () => bare.push(await run([BARE, input]));
  const runCli = async () => cli.push(await run([CLI, 'run', 'error-rates', '--from', `file:${input}`, '--to', `file:${output}`, '-q']));
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      await runBare();
      await runCli();
    } else {
      await runCli();
      await runBare();
    }
    if (label !== '') {
      const b = bare[round]!;
      const c = cli[round]!;
      console.log(
        `  ${label} round ${round + 1}/${rounds}: bare ${ms(b.wallMs)} wall ${ms(b.cpuMs)} cpu   cli ${ms(c.wallMs)} wall ${ms(c.cpuMs)} cpu   ` +
          `ratio wall ${pct(b.wallMs / c.wallMs)} cpu ${pct(b.cpuMs / c.cpuMs)}`,
      );
    }
  }
  return {
    bare,
    cli,
    wallRatio: median(bare.map((b, i) => b.wallMs / cli[i]!.wallMs)),
    cpuRatio: median(bare.map((b, i) => b.cpuMs / cli[i]!.cpuMs)),
    wallRatios: bare.map((b, i) => b.wallMs / cli[i]!.wallMs),
  };
}

/** Alternating rounds of the error-rates and the sessions job over `input`: the sessions job's throughput as a share of error-rates'. */
async function compareSessions(input: string, rounds: number) {
  const errorRates: Sample[] = [];
  const sessions: Sample[] = [];
  const job = (name: string) => run([CLI, 'run', name, '--from', `file:${input}`, '--to', `file:${join(dir, `${name}.lp`)}`, '-q']);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['error-rates', 'sessions'] : ['sessions', 'error-rates'];
    for (const name of order) (name === 'sessions' ? sessions : errorRates).push(await job(name));
    const e = errorRates[round]!;
    const m = sessions[round]!;
    console.log(`  sessions round ${round + 1}/${rounds}: error-rates ${ms(e.wallMs)} wall ${ms(e.cpuMs)} cpu   sessions ${ms(m.wallMs)} wall ${ms(m.cpuMs)} cpu   ratio wall ${pct(e.wallMs / m.wallMs)}`);
  }
  return {
    wallRatio: median(errorRates.map((e, i) => e.wallMs / sessions[i]!.wallMs)),
    cpuRatio: median(errorRates.map((e, i) => e.cpuMs / sessions[i]!.cpuMs)),
    wallRatios: errorRates.map((e, i) => e.wallMs / sessions[i]!.wallMs),
  };
}

try {
  let input = process.env.CLI_BENCH_INPUT;
  const started = Date.now();
  if (input === undefined) {
    input = join(dir, 'events.jsonl');
    console.log(`generating ${EVENTS} events (clickflow produce --dry-run --seed 1)…`);
    await run([CLI, 'produce', '--dry-run', '--seed', '1', '--count', String(EVENTS)], input);
  }
  const lines = (await run([BARE, input])).stdout.trim();
  console.log(`input: ${input}, ${lines} lines, ${((await stat(input)).size / 2 ** 20).toFixed(0)} MiB; ${ROUNDS} rounds, alternating order`);

  // The other shape: short events (about 80 bytes, 300 URLs, 20 ms of event time apart), where
  // the points, not the parsing, are most of the work (about 0.7 points per event).
  const short = join(dir, 'short.jsonl');
  await writeFile(short, shortEvents(Math.round(EVENTS / 2)));

  const empty = join(dir, 'empty.jsonl');
  await writeFile(empty, '');
  const startup = await compare(empty, Math.max(ROUNDS, 9), '');
  const full = await compare(input, ROUNDS, 'full');
  const shortRun = await compare(short, ROUNDS, 'short');
  const moved = await compareSessions(input, ROUNDS);

  const row = (name: string, samples: readonly Sample[]) =>
    `${name.padEnd(34)} ${ms(median(samples.map((s) => s.wallMs)))} ${ms(median(samples.map((s) => s.cpuMs)))} ${median(samples.map((s) => s.maxRssMb)).toFixed(0).padStart(6)} MB`;
  console.log('');
  console.log(`${''.padEnd(34)} ${'wall'.padStart(9)} ${'cpu'.padStart(9)} ${'max RSS'.padStart(9)}   (medians)`);
  console.log(row('bare JSON.parse loop, empty file', startup.bare));
  console.log(row('clickflow run, empty file', startup.cli));
  console.log(row(`bare JSON.parse loop, ${lines} lines`, full.bare));
  console.log(row(`clickflow run, ${lines} lines`, full.cli));
  const fixedWall = median(startup.cli.map((s) => s.wallMs)) - median(startup.bare.map((s) => s.wallMs));
  const fixedCpu = median(startup.cli.map((s) => s.cpuMs)) - median(startup.bare.map((s) => s.cpuMs));
  console.log('');
  console.log(`start-up and exit the bare loop does not pay: ${fixedWall.toFixed(0)} ms wall, ${fixedCpu.toFixed(0)} ms cpu`);
  console.log(
    `(cli) clickflow run / bare JSON.parse loop: wall ${pct(full.wallRatio)} (rounds ${full.wallRatios.map(pct).join(' ')}), ` +
      `cpu ${pct(full.cpuRatio)}   goal: >= 90% (issue 23)`,
  );
  console.log(
    `(short) the same over ${Math.round(EVENTS / 2)} short, point-dense lines: wall ${pct(shortRun.wallRatio)} (rounds ${shortRun.wallRatios.map(pct).join(' ')}), ` +
      `cpu ${pct(shortRun.cpuRatio)}   goal: >= 60%`,
  );
  console.log(
    `(sessions) clickflow run sessions / clickflow run error-rates: wall ${pct(moved.wallRatio)} (rounds ${moved.wallRatios.map(pct).join(' ')}), ` +
      `cpu ${pct(moved.cpuRatio)}   goal: >= 50%`,
  );
  console.log(`took ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
