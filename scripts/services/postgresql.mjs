import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './freePort.mjs';
import { runInstall } from './runInstall.mjs';
import { logTail, startDetached, stopProcess } from './serviceProcess.mjs';
import { waitFor } from './waitFor.mjs';

/** Credentials of the PostgreSQL the project starts; local and throwaway, never for production. */
export const POSTGRES_SETUP = { user: 'clickflow', password: 'clickflow-local', database: 'clickflow' };

/**
 * Starts PostgreSQL (the system's, found or installed by install-postgresql.sh) on a free
 * loopback port with a fresh cluster in a temporary directory, and creates the database
 * `clickflow`. Resolves with its `url` (user and password in it), `pid`, `dir` (its data and log), `restart()` (the same
 * port and data, after `stop()`), `stop()` (a fast shutdown: clients are disconnected, data
 * kept) and `remove()` (stops it and deletes the data).
 *
 * initdb and postgres refuse to run as root: as root they run as the `postgres` user (which
 * Debian's package creates), with the data in the system's temporary directory, which that user
 * can reach (root's home, where the other services' data live, it cannot).
 */
export async function startPostgres() {
  const bindir = await runInstall('install-postgresql.sh');
  const owner = serviceUser();
  const dir = mkdtempSync(join(tmpdir(), 'clickflow-postgres-'));
  const data = join(dir, 'data');
  const logPath = join(dir, 'postgres.log');
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${POSTGRES_SETUP.password}\n`, { mode: 0o600 });
  if (owner !== undefined) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(passwordFile, owner.uid, owner.gid);
  }
  try {
    execFileSync(
      join(bindir, 'initdb'),
      ['-D', data, '-U', POSTGRES_SETUP.user, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync'],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], ...owner },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${error.stderr?.toString() ?? error.message}`);
  }
  const port = await freePort();
  const url = `postgres://${POSTGRES_SETUP.user}:${POSTGRES_SETUP.password}@127.0.0.1:${port}/${POSTGRES_SETUP.database}`;
  const launch = async () => {
    const pid = startDetached(
      join(bindir, 'postgres'),
      // TCP on loopback only: no Unix socket, whose default directory may not exist or be writable.
      ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=50'],
      { logPath, cwd: dir, ...owner },
    );
    try {
      await waitFor(() => query(`postgres://${POSTGRES_SETUP.user}:${POSTGRES_SETUP.password}@127.0.0.1:${port}/postgres`, 'SELECT 1'), {
        timeoutMs: 60_000,
        stepMs: 200,
        what: `PostgreSQL on port ${port}`,
      });
    } catch (error) {
      await stopProcess(pid, 10_000, 'SIGINT');
      throw new Error(`${error.message}\nlast lines of ${logPath}:\n${logTail(logPath)}`);
    }
    return pid;
  };
  const postgres = {
    pid: undefined,
    url,
    dir,
    logPath,
    restart: async () => {
      postgres.pid = await launch();
      return postgres.pid;
    },
    stop: () => stopProcess(postgres.pid, 10_000, 'SIGINT'),
    remove: async () => {
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await postgres.restart();
    await query(`postgres://${POSTGRES_SETUP.user}:${POSTGRES_SETUP.password}@127.0.0.1:${port}/postgres`, `CREATE DATABASE ${POSTGRES_SETUP.database}`);
  } catch (error) {
    await postgres.remove();
    throw error;
  }
  return postgres;
}

/** The user initdb and postgres run as: none when this process is not root (they run as it). */
function serviceUser() {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('PostgreSQL refuses to run as root and there is no user "postgres" to run it as; create one (Debian: apt-get install postgresql does) or run as another user');
  }
}

async function query(connectionString, text) {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
  // A server going down mid-check must not crash the caller.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.query(text);
  } finally {
    await client.end().catch(() => undefined);
  }
}
