import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, tempDir } from './cliHarness.js';

/** A checkout in miniature: bin/clickflow.js beside a dist/ whose two builds have the given times (seconds), or are missing. */
function checkout(root: string, times: { compiled?: number; bundled?: number }): string {
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(CLI, join(root, 'bin', 'clickflow.js'));
  for (const [dir, time] of [['cli', times.compiled], ['bundle', times.bundled]] as const) {
    if (time === undefined) continue;
    mkdirSync(join(root, 'dist', 'src', dir), { recursive: true });
    const file = join(root, 'dist', 'src', dir, 'main.js');
    writeFileSync(file, "process.stdout.write('ran\\n');\n");
    utimesSync(file, time, time);
  }
  // The bundle's shutdown signal, as the build writes it.
  if (times.bundled !== undefined) writeFileSync(join(root, 'dist', 'src', 'bundle', 'shutdownSignal.js'), 'export function installShutdownHandlers() {}\n');
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  return join(root, 'bin', 'clickflow.js');
}

describe('bin/clickflow.js and the bundle it runs', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    temp = await tempDir('bundle-check');
  });
  after(() => temp.remove());

  const run = (bin: string) => spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });

  test('a missing bundle is an error that says to run npm run build, exit 1, no stack', () => {
    const result = run(checkout(temp.path('missing'), { compiled: 1_000_000 }));
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /^error: the CLI's bundle, dist\/src\/bundle\/, is missing; run npm run build in /);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  test('a bundle older than what tsc compiled (npx tsc alone) is refused the same way, not run', () => {
    const result = run(checkout(temp.path('stale'), { compiled: 1_000_100, bundled: 1_000_000 }));
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /is older than dist\/src \(compiled with tsc alone\?\); run npm run build/);
    assert.equal(result.stdout, '');
  });

  test('a bundle built after tsc runs, and so does one a copy left a second older', () => {
    for (const [name, times] of [
      ['built', { compiled: 1_000_000, bundled: 1_000_005 }],
      ['copied', { compiled: 1_000_001, bundled: 1_000_000 }],
      ['installed', { compiled: 499_162_000, bundled: 499_162_000 }],
    ] as const) {
      const result = run(checkout(temp.path(name), times));
      assert.equal(result.status, 0, `${name}: ${result.stderr}`);
      assert.equal(result.stdout, 'ran\n', name);
    }
  });
});
