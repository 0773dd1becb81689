import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';

/** Starts a service process detached, its output in `logPath`; returns its pid. `uid`/`gid` run it as another user (from root). */
export function startDetached(command, args, { logPath, cwd, env, uid, gid }) {
  const log = openSync(logPath, 'a');
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', log, log], uid, gid });
  child.unref();
  return child.pid;
}

/** The last lines of a log, for an error message. */
export function logTail(logPath, lines = 25) {
  try {
    return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `signal` (SIGTERM; PostgreSQL's fast shutdown is SIGINT), then SIGKILL if the process is still there after `graceMs`. */
export async function stopProcess(pid, graceMs = 10_000, signal = 'SIGTERM') {
  if (!pid || !isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
