import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const BUILD = fileURLToPath(new URL('../../../../scripts/build.mjs', import.meta.url));

/** Runs scripts/build.mjs on `project`, checking every few ms meanwhile that `watched` is there. */
async function buildWatching(project: string, watched: string): Promise<{ code: number | null; output: string; missingSeen: number }> {
  const child = spawn(process.execPath, [BUILD, project], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let missingSeen = 0;
  const watch = setInterval(() => {
    if (!existsSync(watched)) missingSeen++;
  }, 2);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(watch);
  return { code, output, missingSeen };
}

describe('npm run build (scripts/build.mjs)', () => {
  // A project of its own, compiled by the repository's TypeScript: the test never touches the
  // dist/ it runs from.
  const project = mkdtempSync(join(tmpdir(), 'clickflow-build-'));
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', outDir: 'dist', rootDir: '.', strict: true, types: [] }, include: ['src/**/*.ts'] }));
  const source = join(project, 'src', 'job.ts');
  const output = join(project, 'dist', 'src', 'job.js');
  after(() => rmSync(project, { recursive: true, force: true }));

  test('swaps a fresh dist/ in: a process running from the old one never finds it missing', async () => {
    writeFileSync(source, 'export const version: number = 1;\n');
    const first = await buildWatching(project, project);
    assert.equal(first.code, 0, first.output);
    assert.match(readFileSync(output, 'utf8'), /version = 1/);
    writeFileSync(source, 'export const version: number = 2;\n');
    // The old build deleted dist/ and compiled into it: missing for the whole compile.
    const second = await buildWatching(project, output);
    assert.equal(second.code, 0, second.output);
    assert.equal(second.missingSeen, 0, 'dist/ was missing during the build');
    assert.match(readFileSync(output, 'utf8'), /version = 2/);
    assert.ok(!existsSync(join(project, 'dist.next')) && !existsSync(join(project, 'dist.old')), 'no build directory left over');
  });

  test('a compile that fails exits non-zero and leaves dist/ as it was', async () => {
    writeFileSync(source, 'export const version: number = 3;\n');
    assert.equal((await buildWatching(project, project)).code, 0);
    writeFileSync(source, "export const version: number = 'four';\n");
    const failed = await buildWatching(project, output);
    assert.notEqual(failed.code, 0);
    assert.match(failed.output, /TS2322/);
    assert.equal(failed.missingSeen, 0);
    assert.match(readFileSync(output, 'utf8'), /version = 3/);
    assert.ok(!existsSync(join(project, 'dist.next')), 'the failed build is not left over');
  });
});
