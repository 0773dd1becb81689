import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** What a lock file says about the process that holds it. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** The process's start time in clock ticks since boot (Linux), so a reused pid is told apart. */
  readonly processStart?: string;
  /** Since when it holds the lock (ISO-8601). */
  readonly since?: string;
  /** A job manager's API, once it listens. */
  readonly url?: string;
}

/** The outcome of {@link takeLockFile}. */
export type LockAttempt =
  | { readonly taken: true }
  /** Held by a live process (`holder`), or by a file that names none (`holder` undefined). */
  | { readonly taken: false; readonly holder: LockHolder | undefined };

/** This process as a lock's holder. */
export function thisProcess(): LockHolder {
  return { pid: process.pid, host: hostname(), processStart: procStatOf(process.pid)?.start, since: new Date().toISOString() };
}

/**
 * Takes the lock file `path` for `holder`, atomically: a complete temporary file hard-linked to
 * its name, which fails if the name exists. A lock whose process is gone (killed with -9, a
 * zombie its parent has not reaped, its pid since reused) or is this one is stale and taken
 * over, and removed only if it is still the same lock, so that two processes taking over the
 * same stale lock at once never both succeed.
 * @throws the file system's error when the lock cannot be written or read (a read-only directory)
 */
export function takeLockFile(path: string, holder: LockHolder): LockAttempt {
  const temporary = `${path}.${process.pid}.tmp`;
  let other: LockHolder | undefined;
  // A few rounds: another process may take over the same stale lock at the same moment.
  for (let round = 0; round < 3; round++) {
    try {
      writeFileSync(temporary, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
      linkSync(temporary, path);
      return { taken: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
    const text = readLock(path);
    if (text === undefined) continue;
    other = parseHolder(text);
    if (other === undefined || other.host !== holder.host || (other.pid !== process.pid && isAlive(other))) return { taken: false, holder: other };
    if (readLock(path) === text) rmSync(path, { force: true });
  }
  return { taken: false, holder: other };
}

/** Writes a new holder into a lock this process holds (e.g. the URL it now listens on). */
export function rewriteLockFile(path: string, holder: LockHolder): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
    renameSync(temporary, path);
  } catch {
    // Only the message a second process prints lacks the detail; the lock itself holds.
    rmSync(temporary, { force: true });
  }
}

/** Removes the lock file if this process holds it, never another's. */
export function releaseLockFile(path: string): void {
  try {
    const text = readLock(path);
    if (text === undefined || parseHolder(text)?.pid !== process.pid) return;
    unlinkSync(path);
  } catch {
    // Gone already, or its directory went: a lock left behind is stale once this process ends.
  }
}

/** Fields 3 (state) and 22 (start time) of /proc/<pid>/stat; undefined where there is no /proc. */
function procStatOf(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, start: fields[19]! };
  } catch {
    return undefined;
  }
}

function isAlive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: a process of another user holds that pid, alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStatOf(holder.pid);
  if (stat === undefined) return true;
  // A killed process whose parent has not reaped it yet (a container's init may never) is a zombie.
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return holder.processStart === undefined || stat.start === holder.processStart;
}

/** The lock's text; undefined once it is gone. */
function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder> | null;
    if (typeof value?.pid !== 'number' || !Number.isSafeInteger(value.pid) || value.pid <= 0 || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid,
      host: value.host,
      ...(typeof value.processStart === 'string' ? { processStart: value.processStart } : {}),
      ...(typeof value.since === 'string' ? { since: value.since } : {}),
      ...(typeof value.url === 'string' ? { url: value.url } : {}),
    };
  } catch {
    return undefined;
  }
}
