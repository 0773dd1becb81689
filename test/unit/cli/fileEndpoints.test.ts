import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { link, mkdir, open, readFile, symlink, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { runRun, type RunOptions } from '../../../src/cli/commands/runCommand.js';
import { OutputWriteError } from '../../../src/connectors/file/OutputWriteError.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { CLI, runCli, tempDir, type CliResult } from './cliHarness.js';

const T0 = 1735689600;
const event = (i: number, extra: object = {}) =>
  JSON.stringify({ user_id: `u${i}`, url: `/p${i % 7}`, http_status: i % 5 === 0 ? 503 : 200, event_timestamp: T0 + i, ...extra });
/** 40 valid events over 40 s (windows fire), one invalid and one late record. */
const INPUT = `${[...Array.from({ length: 40 }, (_, i) => event(i)), 'not json', event(100), event(1)].join('\n')}\n`;
const OLD = 'existing content that must survive a refused run\n';
const noStack = (result: CliResult) => assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');

describe('output files are never touched by a run that is refused', { concurrency: 4 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const p = (name: string) => tmp.path(name);
  before(async () => {
    tmp = await tempDir('outputs');
  });
  after(() => tmp.remove());

  /** Fresh input and pre-existing outputs under `dir`. */
  const setUp = async (dir: string) => {
    await mkdir(p(dir));
    await writeFile(p(`${dir}/in.jsonl`), INPUT);
    for (const name of ['out.lp', 'dead.jsonl', 'late.jsonl']) await writeFile(p(`${dir}/${name}`), OLD);
    return (name: string) => p(`${dir}/${name}`);
  };
  const assertUntouched = async (file: (name: string) => string, names = ['out.lp', 'dead.jsonl', 'late.jsonl']) => {
    for (const name of names) assert.equal(await readFile(file(name), 'utf8'), OLD, `${name} was changed`);
  };

  test('--from file:a --to file:a is refused and the input kept', async () => {
    const f = await setUp('same');
    const result = await runCli(['run', 'error-rates', '--from', `file:${f('in.jsonl')}`, '--to', `file:${f('in.jsonl')}`]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^error: --to: .*in\.jsonl is also the input of --from: writing it would destroy the input/);
    assert.equal(await readFile(f('in.jsonl'), 'utf8'), INPUT);
    noStack(result);
  });

  test('a bad --window or --slide, or an input that cannot be read, leaves every existing output as it was', async () => {
    const f = await setUp('refused');
    const outputs = ['--to', `file:${f('out.lp')}`, '--dead-letter', `file:${f('dead.jsonl')}`, '--late-output', `file:${f('late.jsonl')}`];
    const runs: [string[], RegExp][] = [
      [['--from', `file:${f('in.jsonl')}`, '--window', '0s'], /--window: must be longer than 0/],
      [['--from', `file:${f('in.jsonl')}`, '--slide', '0s'], /--slide: must be longer than 0/],
      [['--from', `file:${f('missing.jsonl')}`], /--from: cannot read .*missing\.jsonl \(ENOENT: no such file\); check that the file exists/],
      [['--from', `file:${tmp.dir}`], /--from: cannot read .* \(EISDIR: it is a directory\)/],
    ];
    for (const [args, pattern] of runs) {
      const result = await runCli(['run', 'error-rates', ...args, ...outputs]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      noStack(result);
      await assertUntouched(f);
    }
  });

  test('two outputs on one file are refused, whatever the path says: same path, ./x, a symlink, a hard link', async () => {
    const f = await setUp('twice');
    await symlink(f('out.lp'), f('link.lp'));
    await link(f('out.lp'), f('hard.lp'));
    const relative = f('out.lp').replace(/\/([^/]+)$/, '/./$1');
    const cases: [string[], RegExp][] = [
      [['--to', `file:${f('out.lp')}`, '--dead-letter', `file:${f('out.lp')}`], /--dead-letter: .*out\.lp is also the output of --to: two outputs on one file/],
      [['--to', `file:${relative}`, '--late-output', `file:${f('out.lp')}`], /--late-output: .* is also the output of --to \(.*\/\.\/out\.lp\)/],
      [['--to', `file:${f('out.lp')}`, '--late-output', `file:${f('link.lp')}`], /--late-output: .*link\.lp is also the output of --to/],
      [['--dead-letter', `file:${f('hard.lp')}`, '--late-output', `file:${f('out.lp')}`], /--late-output: .*out\.lp is also the output of --dead-letter/],
      // Neither exists yet: compared by their canonical paths.
      [['--to', `file:${f('new.lp')}`, '--dead-letter', `file:${f('../twice/new.lp')}`], /--dead-letter: .* is also the output of --to/],
      [['--late-output', `file:${f('in.jsonl')}`], /--late-output: .* is also the input of --from/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runCli(['run', 'error-rates', '--from', `file:${f('in.jsonl')}`, ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      await assertUntouched(f, ['out.lp']);
      assert.equal(await readFile(f('in.jsonl'), 'utf8'), INPUT);
    }
    await assert.rejects(readFile(f('new.lp')), /ENOENT/, 'a refused run creates no file');
  });

  test('stdin or stdout redirected to a file count as that file', async () => {
    const f = await setUp('redirected');
    const withStdio = async (args: string[], stdin: string, stdout: string) => {
      const [input, output] = [await open(stdin, 'r'), await open(stdout, 'a')];
      try {
        const child = spawn(process.execPath, [CLI, ...args], { stdio: [input.fd, output.fd, 'pipe'] });
        let stderr = '';
        child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
        return { code, stderr };
      } finally {
        await Promise.all([input.close(), output.close()]);
      }
    };
    const fromStdin = await withStdio(['run', 'error-rates', '--from', '-', '--to', `file:${f('in.jsonl')}`], f('in.jsonl'), f('dead.jsonl'));
    assert.equal(fromStdin.code, 2, fromStdin.stderr);
    assert.match(fromStdin.stderr, /--to: .*in\.jsonl is also the input of --from \(stdin, redirected from .*in\.jsonl\)/);
    assert.equal(await readFile(f('in.jsonl'), 'utf8'), INPUT);
    const toStdout = await withStdio(['run', 'error-rates', '--from', `file:${f('in.jsonl')}`, '--late-output', `file:${f('out.lp')}`], f('in.jsonl'), f('out.lp'));
    assert.equal(toStdout.code, 2, toStdout.stderr);
    assert.match(toStdout.stderr, /--late-output: .*out\.lp is also the output of --to \(stdout, redirected to .*out\.lp\)/);
    await assertUntouched(f, ['out.lp']);
  });

  test('devices may be shared: two outputs on /dev/null run', async () => {
    const f = await setUp('devnull');
    const result = await runCli(['run', 'error-rates', '--from', `file:${f('in.jsonl')}`, '--to', 'file:/dev/null', '--dead-letter', 'file:/dev/null', '-q']);
    assert.equal(result.code, 0, result.stderr);
  });

  test('an output path that cannot be written is named with its option, the cause and the fix (exit 2)', async () => {
    const f = await setUp('paths');
    const cases: [string[], RegExp][] = [
      [['--to', `file:${f('nodir/x.lp')}`], /^error: --to: cannot write .*nodir\/x\.lp \(ENOENT: no such directory\); create .*nodir first \(mkdir -p .*nodir\) or choose another path\n$/],
      [['--dead-letter', `file:${tmp.dir}`], /^error: --dead-letter: cannot write .* \(EISDIR: it is a directory\); name a file in it, e.g. file:.*\/out\.lp\n$/],
      [['--late-output', `file:${f('in.jsonl')}/x`], /^error: --late-output: cannot write .*in\.jsonl\/x \(ENOTDIR: a part of the path is not a directory\)/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runCli(['run', 'error-rates', '--from', `file:${f('in.jsonl')}`, '-q', ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, pattern);
    }
  });

  test('a read-only output file is refused before the run (exit 2)', async (t) => {
    if (process.getuid?.() === 0) {
      t.skip('root may write read-only files');
      return;
    }
    const f = await setUp('readonly');
    execFileSync('chmod', ['a-w', f('out.lp')]);
    const result = await runCli(['run', 'error-rates', '--from', `file:${f('in.jsonl')}`, '--to', `file:${f('out.lp')}`]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--to: cannot write .*out\.lp \(EACCES: permission denied\)/);
  });

  test('an existing output file is truncated when the job starts', async () => {
    const f = await setUp('truncated');
    await writeFile(f('out.lp'), 'x'.repeat(100_000));
    const result = await runCli(['run', 'error-rates', '--from', `file:${f('in.jsonl')}`, '--to', `file:${f('out.lp')}`, '-q']);
    assert.equal(result.code, 0, result.stderr);
    const text = await readFile(f('out.lp'), 'utf8');
    assert.ok(!text.includes('x'.repeat(10)), 'nothing of the old content is left');
    assert.match(text, /^url_counts,partition=0/);
  });
});

describe('a failing output stops the job, named by its option', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir('failing');
    await writeFile(tmp.path('in.jsonl'), INPUT);
  });
  after(() => tmp.remove());

  for (const option of ['--to', '--dead-letter', '--late-output']) {
    test(`${option} file:/dev/full exits 1 with the option, the cause and no stack`, async () => {
      const result = await runCli(['run', 'error-rates', '--from', `file:${tmp.path('in.jsonl')}`, option, 'file:/dev/full', '-q']);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr, `error: ${option}: cannot write /dev/full (ENOSPC: no space left on the device); free some space or write to another disk\n`);
    });
  }

  // The input is a FIFO whose writer stays open, and commits (which flush every output) are an
  // hour apart: only the output's own failure can stop the job before its input ends.
  for (const [option, invalidFirst] of [['deadLetter', true], ['to', false], ['lateOutput', false]] as const) {
    test(`${option} on /dev/full stops the job while its input is still open`, async () => {
      const fifo = tmp.path(`${option}.fifo`);
      execFileSync('mkfifo', [fifo]);
      const options: RunOptions = {
        job: 'error-rates',
        from: { kind: 'file', path: fifo },
        to: { kind: 'file', path: tmp.path(`${option}.lp`) },
        windowMs: 10_000,
        maxOutOfOrdernessMs: 0,
        allowedLatenessMs: 0,
        commitIntervalMs: 3_600_000,
        quiet: true,
        [option]: { kind: 'file', path: '/dev/full' },
      };
      const run = runRun(options);
      const writer = await open(fifo, 'w');
      try {
        // An invalid record, a late one and enough events to fire windows; then the input stays open.
        await writer.write(`${invalidFirst ? 'not json\n' : ''}${INPUT}`);
        const outcome = await Promise.race([
          run.then(() => 'resolved', (error: unknown) => error),
          new Promise((resolve) => setTimeout(resolve, 30_000, 'still running after 30 s')).then(String),
        ]);
        assert.ok(outcome instanceof OutputWriteError, String(outcome));
        const flag = { deadLetter: '--dead-letter', to: '--to', lateOutput: '--late-output' }[option];
        assert.equal(outcome.option, flag);
        assert.match(outcome.message, new RegExp(`^${flag}: cannot write /dev/full \\(ENOSPC`));
      } finally {
        await writer.close();
        await run.catch(() => undefined);
      }
    });
  }

  test('a run whose signal has aborted before start opens no output and resolves', async () => {
    await writeFile(tmp.path('kept.lp'), OLD);
    const metrics = await runRun({
      job: 'error-rates',
      from: { kind: 'file', path: tmp.path('in.jsonl') },
      to: { kind: 'file', path: tmp.path('kept.lp') },
      deadLetter: { kind: 'file', path: tmp.path('never.jsonl') },
      windowMs: 10_000,
      maxOutOfOrdernessMs: 0,
      allowedLatenessMs: 0,
      quiet: true,
      signal: AbortSignal.abort('SIGTERM'),
    });
    assert.equal(metrics.recordsIn, 0);
    assert.equal(await readFile(tmp.path('kept.lp'), 'utf8'), OLD);
    await assert.rejects(readFile(tmp.path('never.jsonl')), /ENOENT/);
  });

  test('checks happen in-process too: runRun rejects with a ConfigError naming both options', async () => {
    await assert.rejects(
      runRun({
        job: 'error-rates',
        from: { kind: 'file', path: tmp.path('in.jsonl') },
        to: { kind: 'file', path: tmp.path('same.lp') },
        lateOutput: { kind: 'file', path: tmp.path('same.lp') },
        windowMs: 10_000,
        maxOutOfOrdernessMs: 0,
        allowedLatenessMs: 0,
        quiet: true,
      }),
      (error: unknown) => error instanceof ConfigError && error.option === '--late-output' && /output of --to/.test(error.message),
    );
  });
});
