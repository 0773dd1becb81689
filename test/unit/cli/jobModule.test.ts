import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, runCli, tempDir } from './cliHarness.js';

const ROOT = dirname(dirname(CLI));

describe('clickflow run <module>', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let endpoints: string[];

  before(async () => {
    temp = await tempDir('job-module');
    await writeFile(temp.path('events.jsonl'), '');
    endpoints = ['--from', `file:${temp.path('events.jsonl')}`, '--to', `file:${temp.path('out.lp')}`];
  });
  after(() => temp.remove());

  test('a module whose top-level await never settles says so, with what to do, and exits 1 (Node alone exits 13 without a word)', async () => {
    const module = temp.path('hangs.mjs');
    await writeFile(module, 'await new Promise(() => {});\nexport default undefined;\n');
    const result = await runCli(['run', module, ...endpoints], { timeoutMs: 30_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^error: ${module} never finished loading: a top-level await in it .* waits on a promise that nothing settles.*move the wait into the job`, 'm'));
  });

  test('a module whose top-level await takes a while, then fails, gets its own error, not the never-settled one', async () => {
    const module = temp.path('slow.mjs');
    await writeFile(module, "await new Promise((resolve) => setTimeout(resolve, 200));\nthrow new Error('the config server said no');\n");
    const result = await runCli(['run', module, ...endpoints], { timeoutMs: 30_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /failed to load: Error: the config server said no/);
    assert.doesNotMatch(result.stderr, /never finished loading/);
  });

  test('a module outside any project that has clickflow is told how to install or link it, exit 2, no stack trace', async () => {
    for (const [name, text] of [
      ['outside.mjs', "import { job } from 'clickflow';\nexport default job('outside');\n"],
      ['outside.cjs', "const { job } = require('clickflow');\nmodule.exports = job('outside');\n"],
    ] as const) {
      const module = temp.path(name);
      await writeFile(module, text);
      const result = await runCli(['run', module, ...endpoints], { timeoutMs: 30_000 });
      assert.equal(result.code, 2, `${name}: ${result.stderr}`);
      assert.match(result.stderr, /imports 'clickflow', which its project does not have; install it there \(npm install \/path\/to\/clickflow\) or link it/);
      assert.doesNotMatch(result.stderr, /\n    at /);
    }
  });

  test("a module's `import … from 'clickflow'` gets the CLI's own classes: a PointError it throws is reported as clickflow's, without a stack", async () => {
    // A project that has clickflow installed: node_modules/clickflow is the checkout.
    await mkdir(temp.path('node_modules'), { recursive: true });
    await symlink(ROOT, join(temp.path('node_modules'), 'clickflow'), 'dir');
    const module = temp.path('throws.mjs');
    await writeFile(
      module,
      "import { clickEvents, count, job, PointError, TumblingEventTimeWindows } from 'clickflow';\n" +
        "export default job('throws').from(clickEvents()).keyBy((e) => e.url).window(TumblingEventTimeWindows.of('1m')).aggregate(count())\n" +
        "  .toPoints(() => { throw new PointError('own: the job refused its window'); });\n",
    );
    const result = await runCli(['run', module, '--from', `file:${join(ROOT, 'samples', 'clickstream.jsonl')}`, '--to', `file:${temp.path('thrown.lp')}`], { timeoutMs: 60_000 });
    assert.equal(result.code, 1, result.stderr);
    // Another copy of the class (the module loaded from elsewhere than the CLI's) would be no
    // ClickflowError to the CLI, and printed with its stack.
    assert.match(result.stderr, /^error: .*own: the job refused its window/m);
    assert.doesNotMatch(result.stderr, /\n    at /);
  });
});
