// npm test: starts a fresh Kafka and InfluxDB (installing them once into the cache), runs every
// test under dist/test with their addresses in the environment, and stops them whatever happens.
// Extra arguments are passed to `node --test` instead of the default test directory.
// The fault tests (test/faults) report one row each to CLICKFLOW_FAULT_REPORT; their table is
// printed at the end.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultTable } from './faultTable.mjs';
import { startServices } from './services/startServices.mjs';

const started = Date.now();
let services;
try {
  services = await startServices();
} catch (error) {
  process.stderr.write(`could not start the test services:\n${error.message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
// Only *.test.js: given a directory, node --test would also run the helpers beside the tests.
const allTests = () =>
  readdirSync('dist/test', { recursive: true })
    .filter((file) => file.endsWith('.test.js'))
    .sort()
    .map((file) => join('dist/test', file));
const reportDir = mkdtempSync(join(tmpdir(), 'clickflow-faults-'));
const report = join(reportDir, 'report.jsonl');
const child = spawn(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=1', ...(args.length > 0 ? args : allTests())],
  { stdio: 'inherit', env: { ...process.env, ...services.env, CLICKFLOW_FAULT_REPORT: report } },
);
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code = await new Promise((resolve) => child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0))));
await services.stop();
const table = faultTable(report);
if (table !== undefined) process.stdout.write(`\nfault tests:\n${table}\n`);
rmSync(reportDir, { recursive: true, force: true });
process.stderr.write(`tests and services took ${((Date.now() - started) / 1000).toFixed(0)}s\n`);
process.exit(code);
