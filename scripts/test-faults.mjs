// npm run test:faults: the fault tests alone (kill -9, outages, rebalance, SIGTERM, and the
// fuzz scenario), against fresh services, then their table. `npm test` runs them too.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = 'dist/test/faults';
const files = readdirSync(dir)
  .filter((file) => file.endsWith('.test.js'))
  .sort()
  .map((file) => join(dir, file));
const runner = fileURLToPath(new URL('test-with-services.mjs', import.meta.url));
const child = spawn(process.execPath, [runner, ...files], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
