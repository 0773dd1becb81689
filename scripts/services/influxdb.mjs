import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './freePort.mjs';
import { runInstall } from './runInstall.mjs';
import { logTail, startDetached } from './serviceProcess.mjs';
import { waitFor } from './waitFor.mjs';

/** Credentials of the InfluxDB the project starts; local and throwaway, never for production. */
export const INFLUX_SETUP = {
  username: 'clickflow',
  password: 'clickflow-local',
  org: 'clickflow',
  bucket: 'clickstream',
  token: 'clickflow-local-token',
};

/**
 * Starts InfluxDB 2.7.12 (built from source once, see install-influxdb.sh) headless on a
 * free loopback port with fresh data under `runDir`, waits for /health, and onboards it.
 * `restart()` starts it again on the same port and data after its process was stopped (the
 * fault tests stop it with `stopProcess(pid)` to simulate an outage).
 */
export async function startInfluxdb(runDir) {
  const dir = join(runDir, 'influxdb');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(dir, 'influxd.log');
  const influxd = await runInstall('install-influxdb.sh');
  const pid = await launchInfluxd(influxd, dir, port, logPath);
  try {
    const response = await fetch(`${url}/api/v2/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(INFLUX_SETUP),
    });
    if (!response.ok) throw new Error(`InfluxDB onboarding failed: HTTP ${response.status} ${await response.text()}`);
  } catch (error) {
    throw new Error(`${error.message}\nlast lines of ${logPath}:\n${logTail(logPath)}`);
  }
  const influx = {
    pid,
    url,
    org: INFLUX_SETUP.org,
    bucket: INFLUX_SETUP.bucket,
    token: INFLUX_SETUP.token,
    logPath,
    restart: async () => {
      influx.pid = await launchInfluxd(influxd, dir, port, logPath);
      return influx.pid;
    },
  };
  return influx;
}

/** Starts the `influxd` binary on `port` with its data in `dir` and waits for /health; resolves with its pid. */
async function launchInfluxd(influxd, dir, port, logPath) {
  const url = `http://127.0.0.1:${port}`;
  const pid = startDetached(
    influxd,
    [
      '--bolt-path', join(dir, 'influxd.bolt'),
      '--engine-path', join(dir, 'engine'),
      '--sqlite-path', join(dir, 'influxd.sqlite'),
      '--http-bind-address', `127.0.0.1:${port}`,
      '--reporting-disabled',
      '--ui-disabled',
      '--log-level', 'error',
    ],
    { logPath, cwd: dir },
  );
  try {
    await waitFor(async () => (await fetch(`${url}/health`)).ok, { timeoutMs: 60_000, stepMs: 200, what: `InfluxDB at ${url}` });
  } catch (error) {
    throw new Error(`${error.message}\nlast lines of ${logPath}:\n${logTail(logPath)}`);
  }
  return pid;
}
