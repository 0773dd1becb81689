import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { CLI } from '../cli/cliHarness.js';

const LOGGER = fileURLToPath(new URL('../../../src/logging/logger.js', import.meta.url));

/** Runs `script` (an ES module body) with `logger` imported, and returns its stdout and stderr. */
function withLogger(script: string, env: Record<string, string | undefined> = {}) {
  const body = `import { createRequire } from 'node:module'; import { logger } from ${JSON.stringify(LOGGER)};
    const pinoLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/node_modules/pino/'));
    ${script}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', body], { encoding: 'utf8', env: { ...process.env, CLICKFLOW_LOG_LEVEL: undefined, ...env } });
}

describe('the log', () => {
  test('pino is loaded by the first line that passes the level, not before: a quiet run may never load it', () => {
    const run = withLogger(`logger.level = 'warn'; logger.info({ a: 1 }, 'not written'); logger.debug('nor this');
      process.stdout.write(String(pinoLoaded()));
      logger.warn({ b: 2 }, 'written'); logger.error('alone');
      process.stdout.write(' ' + String(pinoLoaded()));`);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'false true');
    const lines = run.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(lines.map(({ level, msg, b, name }) => ({ level, msg, b, name })), [
      { level: 40, msg: 'written', b: 2, name: 'clickflow' },
      { level: 50, msg: 'alone', b: undefined, name: 'clickflow' },
    ]);
  });

  test('a level set after pino is loaded holds for it too; an unknown one is refused', () => {
    const run = withLogger(`logger.info('first'); logger.level = 'error'; logger.warn('dropped'); logger.error('kept');
      try { logger.level = 'loud'; } catch (error) { process.stdout.write(error.message); }`);
    assert.deepEqual(run.stderr.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg), ['first', 'kept']);
    assert.match(run.stdout, /"loud" is not a log level; use one of trace, debug, info, warn, error, fatal, silent/);
  });

  test('an unknown CLICKFLOW_LOG_LEVEL logs at info with a warning that names it, instead of stopping the command', () => {
    const run = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8', env: { ...process.env, CLICKFLOW_LOG_LEVEL: 'verbose' } });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), '0.1.0');
    assert.match(run.stderr, /CLICKFLOW_LOG_LEVEL \\"verbose\\" is not a log level \(trace, debug, info, warn, error, fatal, silent\); logging at info/);
  });
});
