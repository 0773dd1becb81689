// npm run demo [-- demo options]: `clickflow demo` on a fresh build. The demo's ports are checked
// before the build, so a second `npm run demo` beside a running one says at once that the port
// is in use instead of compiling first; and the build swaps dist/ whole (scripts/build.mjs), so
// a demo already running from dist/ keeps working when another one on another port builds.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, ROOT } from './build.mjs';

const args = process.argv.slice(2);

/**
 * A port the demo will take: its `option` (--port, the job manager's; --collector-port, the
 * shop's), else the default of the build there is (`fromDefaults`). Read under a URL of its own
 * (`?port`), so the CLI, loaded after the build, gets the new build's module. Unknown before
 * the first build (nothing of this checkout can be running then): the demo checks it itself
 * once built.
 */
async function demoPort(option, fromDefaults) {
  const at = args.findIndex((arg) => arg === option || arg.startsWith(`${option}=`));
  if (at !== -1) {
    const value = args[at].startsWith(`${option}=`) ? args[at].slice(option.length + 1) : args[at + 1];
    // Anything but a port number is the CLI's to refuse, with its own message.
    return /^\d+$/.test(value ?? '') ? Number(value) : undefined;
  }
  const defaults = join(ROOT, 'dist', 'src', 'config', 'defaults.js');
  if (!existsSync(defaults)) return undefined;
  const { DEFAULTS } = await import(`${pathToFileURL(defaults).href}?port`);
  return fromDefaults(DEFAULTS);
}

/** Whether nothing listens on 127.0.0.1:`port` (the demo's address). */
function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

for (const [option, fromDefaults, what] of [
  ['--port', (d) => d.jobManager.port, 'a job manager'],
  ['--collector-port', (d) => d.collector.port, 'a collector'],
]) {
  const port = await demoPort(option, fromDefaults);
  if (port !== undefined && port !== 0 && !(await isFree(port))) {
    process.stderr.write(
      `error: ${option}: 127.0.0.1:${port} is in use; is a demo or ${what} already running? stop it, or pick another port: npm run demo -- ${option} ${port + 1}\n`,
    );
    process.exit(2);
  }
}
const built = build();
if (built !== 0) process.exit(built);
// The CLI in this process, as `node bin/clickflow.js demo …` would run it: its signal
// handling and exit codes are the demo's, with no process in between.
const cli = join(ROOT, 'bin', 'clickflow.js');
process.argv = [process.argv[0], cli, 'demo', ...args];
await import(pathToFileURL(cli).href);
