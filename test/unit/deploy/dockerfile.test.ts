import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface Stage {
  readonly name: string;
  readonly instructions: { readonly keyword: string; readonly args: string }[];
}

/** The Dockerfile's stages and their instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of lines) {
    const [, keyword, args] = /^(\w+)\s+(.*)$/.exec(line)!;
    if (keyword!.toUpperCase() === 'FROM') stages.push({ name: /\bAS\s+(\S+)/i.exec(args!)?.[1] ?? String(stages.length), instructions: [] });
    else stages.at(-1)!.instructions.push({ keyword: keyword!.toUpperCase(), args: args! });
  }
  return stages;
}

/**
 * Runs a Dockerfile's stages outside Docker, each in a directory of its own standing in for the
 * image's `/`: COPY copies from the checkout (or, with --from, from an earlier stage's
 * directory), RUN runs its npm and npx commands in the WORKDIR, ENV applies to them. Two things
 * are not run: the build stage's full `npm ci`, replaced by this checkout's own node_modules
 * (the same lock file, already installed; a second full install would take minutes), and
 * commands that prepare the image's own filesystem (mkdir, chown), which may only name
 * /home/node. Returns the last stage's WORKDIR, user and ENTRYPOINT.
 */
function runStages(stages: Stage[], root: string): { workdir: string; user: string; entrypoint: string[] } {
  const dirs = new Map<string, string>();
  let last = { workdir: '', user: 'root', entrypoint: [] as string[] };
  for (const stage of stages) {
    const stageRoot = join(root, stage.name);
    dirs.set(stage.name, stageRoot);
    let workdir = stageRoot;
    let user = 'root';
    let entrypoint: string[] = [];
    const env: Record<string, string> = {};
    for (const { keyword, args } of stage.instructions) {
      if (keyword === 'WORKDIR') {
        workdir = join(stageRoot, args);
        mkdirSync(workdir, { recursive: true });
      } else if (keyword === 'ENV') {
        for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
      } else if (keyword === 'COPY') {
        const parts = args.split(/\s+/);
        const fromStage = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
        const dest = parts.pop()!;
        const target = dest.startsWith('/') ? join(stageRoot, dest) : join(workdir, dest);
        for (const source of parts) {
          const origin = fromStage === undefined ? join(ROOT, source) : join(dirs.get(fromStage)!, source);
          assert.ok(existsSync(origin), `COPY ${source}: ${origin} exists`);
          cpSync(origin, parts.length > 1 || dest.endsWith('/') ? join(target, basename(source)) : target, { recursive: true });
        }
      } else if (keyword === 'RUN') {
        for (const command of args.split('&&').map((c) => c.trim())) {
          if (/^npm ci\b/.test(command) && !command.includes('--omit=dev')) {
            symlinkSync(join(ROOT, 'node_modules'), join(workdir, 'node_modules'));
          } else if (/^(npm|npx) /.test(command)) {
            execFileSync('sh', ['-c', command], { cwd: workdir, env: { ...process.env, ...env, npm_config_prefer_offline: 'true' }, stdio: 'pipe' });
          } else {
            assert.match(command, /^(mkdir|chown)\b/, `RUN ${command}`);
            for (const path of command.split(/\s+/).filter((word) => word.startsWith('/'))) assert.match(path, /^\/home\/node(\/|$)/, command);
          }
        }
      } else if (keyword === 'USER') {
        user = args;
      } else if (keyword === 'ENTRYPOINT') {
        entrypoint = JSON.parse(args) as string[];
      }
    }
    last = { workdir, user, entrypoint };
  }
  return last;
}

describe('Dockerfile: its stages, run outside Docker', () => {
  const root = mkdtempSync(join(tmpdir(), 'dockerfile-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));

  test('is multi-stage, and its image runs as an unprivileged user', () => {
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    const users = stages.at(-1)!.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
    assert.ok(users.length > 0 && !['root', '0'].includes(users.at(-1)!), `USER ${users.at(-1)}`);
  });

  test('builds, installs the production dependencies only, and the CLI starts', { timeout: 10 * 60_000 }, () => {
    const image = runStages(stages, root);
    const modules = join(image.workdir, 'node_modules');
    assert.ok(existsSync(join(modules, 'kafkajs')) && existsSync(join(modules, '@faker-js')), 'dependencies installed');
    assert.ok(!existsSync(join(modules, 'typescript')), 'no devDependencies in the image');
    assert.ok(existsSync(join(image.workdir, 'dist/src/cli/main.js')), 'the compiled CLI is there');
    assert.ok(existsSync(join(image.workdir, 'dist/src/bundle/main.js')), 'and its bundle, which bin/clickflow.js starts');
    const [command, ...args] = image.entrypoint;
    assert.equal(command, 'node');
    const run = (extra: string[]) => spawnSync(process.execPath, [...args, ...extra], { cwd: image.workdir, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
    const help = run(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage: clickflow/);
    const produced = run(['produce', '--dry-run', '--count', '3', '--seed', '1']);
    assert.equal(produced.status, 0, produced.stderr);
    assert.equal(produced.stdout.trim().split('\n').length, 3, 'the producer runs on the production dependencies');
    // The job manager serves its live page from the image: its own files and uPlot's.
    const page = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const { pageAsset } = await import('./dist/src/jobmanager/pageAssets.js'); for (const p of ['/', '/app/main.js', '/app/panels.js', '/app.css', '/uplot/uPlot.iife.min.js']) if (!pageAsset(p)?.body.length) throw new Error(`no ${p}`);"],
      { cwd: image.workdir, encoding: 'utf8' },
    );
    assert.equal(page.status, 0, `the live page's files are in the image: ${page.stderr}`);
  });
});
