import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ConfigError } from '../errors/ConfigError.js';

/** What a lock file says about the manager that holds it. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  /** The process's start time in clock ticks since boot (Linux), so a reused pid is told apart. */
  readonly processStart?: string;
  /** The manager's API, once it listens. */
  readonly url?: string;
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

function isAlive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: a process of another user holds that pid, alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStatOf(holder.pid);
  if (stat === undefined) return true;
  // A killed manager whose parent has not reaped it yet (a container's init may never) is a zombie.
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return holder.processStart === undefined || stat.start === holder.processStart;
}

/**
 * One job manager per state file: two would overwrite each other's jobs, cancel each other's
 * running jobs at start, and run the same Kafka job twice in one group. The lock is a file
 * beside the state file, created atomically (a complete temporary file hard-linked to its
 * name, which fails if it exists), holding the manager's pid and URL. A lock whose process is
 * gone (a manager killed with -9) is stale and taken over.
 */
export class StateFileLock {
  private constructor(
    readonly path: string,
    private holder: Holder,
  ) {}

  /** The lock file of a state file. */
  static pathOf(stateFile: string): string {
    return `${stateFile}.lock`;
  }

  /**
   * Takes the lock of `stateFile`.
   * @throws ConfigError naming the manager that holds it (pid and URL), or why it cannot be made
   */
  static acquire(stateFile: string): StateFileLock {
    const path = StateFileLock.pathOf(stateFile);
    const holder: Holder = { pid: process.pid, host: hostname(), processStart: procStatOf(process.pid)?.start };
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new ConfigError('--state-file', `cannot create the directory of ${stateFile} (${(error as Error).message}); a file may stand where a directory should be: choose another --state-file or move it away`);
    }
    const temporary = `${path}.${process.pid}.tmp`;
    // A few rounds: another manager may take over the same stale lock at the same moment.
    for (let round = 0; round < 3; round++) {
      try {
        writeFileSync(temporary, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
        linkSync(temporary, path);
        return new StateFileLock(path, holder);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new ConfigError('--state-file', `cannot create the lock ${path} of the state file (${(error as Error).message}); choose a --state-file in a directory you may write`);
        }
      } finally {
        rmSync(temporary, { force: true });
      }
      const text = readLock(path);
      if (text === undefined) continue;
      const other = parseHolder(text);
      if (other === undefined) {
        throw new ConfigError('--state-file', `${stateFile} is locked by ${path}, which names no manager; if no job manager runs on this state file, delete ${path}`);
      }
      if (other.host !== holder.host) {
        throw new ConfigError(
          '--state-file',
          `${stateFile} is in use by the job manager with pid ${other.pid} on ${other.host}${other.url === undefined ? '' : ` at ${other.url}`}; stop it, or give this one another --state-file. If it is gone, delete ${path}`,
        );
      }
      if (other.pid !== process.pid && isAlive(other)) {
        throw new ConfigError(
          '--state-file',
          `${stateFile} is in use by the job manager with pid ${other.pid}${other.url === undefined ? ' (still starting)' : ` at ${other.url}`}; use that one (clickflow submit --jobmanager ${other.url ?? '<its url>'}), stop it, or give this one another --state-file`,
        );
      }
      // Stale. Removed only if it is still the same lock: another manager may have taken over.
      if (readLock(path) === text) rmSync(path, { force: true });
    }
    throw new ConfigError('--state-file', `cannot take the lock ${path}: other job managers keep taking it; start one manager per state file`);
  }

  /** Records the API's address, for the message a second manager gets. */
  listening(url: string): void {
    this.holder = { ...this.holder, url };
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, `${JSON.stringify(this.holder)}\n`, { mode: 0o600 });
      renameSync(temporary, this.path);
    } catch {
      // Only the message a second manager prints lacks the URL; the lock itself holds.
      rmSync(temporary, { force: true });
    }
  }

  /** Removes the lock, if it is still this manager's. */
  release(): void {
    try {
      const text = readLock(this.path);
      if (text === undefined || parseHolder(text)?.pid !== process.pid) return;
      unlinkSync(this.path);
    } catch {
      // Gone already, or its directory went: a lock left behind is stale once this process ends.
    }
  }
}

/** The lock's text; undefined once it is gone. */
function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError('--state-file', `cannot read the lock ${path} of the state file (${(error as Error).message}); if no job manager runs on this state file, remove ${path}`);
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder> | null;
    if (typeof value?.pid !== 'number' || !Number.isSafeInteger(value.pid) || value.pid <= 0 || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid,
      host: value.host,
      ...(typeof value.processStart === 'string' ? { processStart: value.processStart } : {}),
      ...(typeof value.url === 'string' ? { url: value.url } : {}),
    };
  } catch {
    return undefined;
  }
}
