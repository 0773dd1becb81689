// npm run build: compiles into a fresh dist.next/ beside dist/, then swaps it in. A demo or a
// job manager running from dist/ forks a worker from it for every job: deleting dist/ and
// compiling into it left that worker without its modules ("exited with code 1") for the whole
// compile. The swap is two renames, so dist/ is never half-written, and a failed compile
// leaves it as it was.
//
// Then esbuild bundles the compiled CLI, the library's entry and the job manager's worker into
// dist/src/bundle/: about 170 modules in one file each (plus chunks the three share), because
// Node 20 spends about 0.5 ms resolving, reading and compiling each ES module, a tenth of a
// second on every CLI start. Packages stay external: `import … from 'rxjs'` in a job must get
// the same RxJS as the CLI. The library's entry is bundled with the CLI so that a job module's
// `import … from 'clickflow'` shares the CLI's classes (Point, the errors) rather than loading
// a second copy of them from dist/src; and bin/clickflow.js's shutdownSignal is an entry of its
// own for the same reason: the signal it installs is the one the commands wait on.
// Usage: node scripts/build.mjs [project directory, default: this repository]
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Compiles `root`'s tsconfig.json into `root`/dist; returns tsc's exit code (0: dist/ swapped). */
export function build(root = ROOT) {
  const dist = join(root, 'dist');
  const next = join(root, 'dist.next');
  const old = join(root, 'dist.old');
  // Left by a build that was interrupted.
  for (const dir of [next, old]) rmSync(dir, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // The browser's code (web/tsconfig.json: DOM, not Node) first, into dist.next/web; then the
  // rest, whose output wins where both emit (the chart types the page imports from src/).
  const projects = [
    { tsconfig: join(root, 'web', 'tsconfig.json'), outDir: next },
    { tsconfig: join(root, 'tsconfig.json'), outDir: next },
  ].filter((project) => existsSync(project.tsconfig));
  for (const project of projects) {
    const compiled = spawnSync(process.execPath, [tsc, '-p', project.tsconfig, '--outDir', project.outDir], { stdio: 'inherit' });
    if (compiled.status !== 0) {
      rmSync(next, { recursive: true, force: true });
      return compiled.status ?? 1;
    }
  }
  const entries = ['cli/shutdownSignal.js', 'cli/main.js', 'index.js', 'jobmanager/jobWorker.js'].map((entry) => join(next, 'src', entry));
  // A project without them (the build's own test builds a small one) is compiled, not bundled.
  if (entries.every((entry) => existsSync(entry))) {
    let esbuild;
    try {
      esbuild = createRequire(import.meta.url)('esbuild');
    } catch {
      console.error('build: esbuild is missing (a development dependency): run npm install, then npm run build');
      rmSync(next, { recursive: true, force: true });
      return 1;
    }
    try {
      esbuild.buildSync({
        // Paths in the bundle's comments and source maps as in dist/, not dist.next/.
        absWorkingDir: next,
        entryPoints: entries,
        // The same depth as every folder of dist/src: paths relative to a module (../../../web/) hold in the bundle too.
        outdir: join(next, 'src', 'bundle'),
        entryNames: '[name]',
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        packages: 'external',
        // Function and class names as written: renaming two modules' `describe` to one bundle's
        // `describe` and `describe2` would show in stack traces and in `name`.
        keepNames: true,
        sourcemap: 'linked',
        logLevel: 'warning',
      });
    } catch {
      rmSync(next, { recursive: true, force: true });
      return 1;
    } finally {
      // Its helper process would otherwise live on in a caller that keeps running (the demo builds first).
      esbuild.stop();
    }
  }
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  // A running process has its modules loaded, and loads the ones it has not from dist/ by
  // path: nothing needs the old tree.
  rmSync(old, { recursive: true, force: true });
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = build(process.argv[2]);
}
