#!/usr/bin/env node
// Signal handlers first, then the CLI: static imports would all be loaded before any handler
// could be installed, so the CLI comes in with a dynamic import once SIGINT/SIGTERM are caught.
// Both from the bundle (scripts/build.mjs), which shares one shutdown signal between them.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const modifiedMs = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundled = modifiedMs('../dist/src/bundle/main.js');
const compiled = modifiedMs('../dist/src/cli/main.js');
// `npx tsc` alone recompiles dist/src but not the bundle, which would then run the code before.
// The build writes the bundle after tsc; two seconds allow for copies that reorder the times.
if (bundled === undefined || (compiled !== undefined && compiled > bundled + 2_000)) {
  const state = bundled === undefined ? 'is missing' : 'is older than dist/src (compiled with tsc alone?)';
  process.stderr.write(`error: the CLI's bundle, dist/src/bundle/, ${state}; run npm run build in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(1);
}
const { installShutdownHandlers } = await import('../dist/src/bundle/shutdownSignal.js');
installShutdownHandlers();
await import('../dist/src/bundle/main.js');
