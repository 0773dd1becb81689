import { closeSync, openSync, readFileSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ClickflowError } from '../../errors/ClickflowError.js';

/** What a lock file holds: who writes the output. */
interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** An output file another clickflow process writes: two writers would cut each other's lines. */
export class OutputFileLockedError extends ClickflowError {
  override readonly name = 'OutputFileLockedError';

  constructor(path: string, lockPath: string, owner: LockOwner | undefined, option?: string) {
    const who = owner === undefined ? 'another clickflow process' : `clickflow process ${owner.pid} on ${owner.host} (since ${owner.since})`;
    super(
      `${option === undefined ? '' : `${option}: `}${path} is being written by ${who}: give each instance its own file, or stop that one first. ` +
        `If no such process runs any more, delete ${lockPath}`,
    );
  }
}

/** Processes that hold a lock, by lock path: released on exit, even when the job never closes its output. */
const held = new Set<string>();
let releaseOnExit = false;

/**
 * A lock beside an output file (`PATH.lock`, holding the writer's pid and host), taken before
 * the file is truncated or cut back to a commit, so that a second instance given the same path
 * is refused instead of cutting the first one's lines. A lock left by a process that is gone (a
 * kill -9 on this host) is taken over. Pipes and devices (`/dev/null`, a FIFO) are not locked:
 * writers share them by design; nor is a file in a directory where no lock file can be created.
 */
export class OutputFileLock {
  private released = false;

  private constructor(readonly lockPath: string | undefined) {}

  /** @throws OutputFileLockedError while another live process on this host (or any on another) holds it */
  static acquire(path: string, option?: string): OutputFileLock {
    if (!isRegularOrMissing(path)) return new OutputFileLock(undefined);
    // Beside the file itself: two spellings of it (a symlink, another relative path) share one lock.
    const lockPath = `${realPathOrAsGiven(path)}.lock`;
    const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(lockPath, 'wx');
      } catch (error) {
        // A directory that takes no new file (read-only, or missing: opening the output says so
        // in its own words): the output goes unlocked, as before locks, rather than not at all.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return new OutputFileLock(undefined);
        const owner = readOwner(lockPath);
        // Unreadable: another process may have just created it. Held, as far as anyone can tell.
        if (owner === undefined || held.has(lockPath) || !isGone(owner, me)) throw new OutputFileLockedError(path, lockPath, owner, option);
        // Left by a process that is gone, or by this one (a job that ran before in it and never closed).
        try {
          unlinkSync(lockPath);
        } catch (unlinkError) {
          if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
        }
        continue;
      }
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
      held.add(lockPath);
      if (!releaseOnExit) {
        releaseOnExit = true;
        process.once('exit', () => {
          for (const lock of held) unlinkQuietly(lock);
        });
      }
      return new OutputFileLock(lockPath);
    }
    throw new OutputFileLockedError(path, lockPath, readOwner(lockPath), option);
  }

  release(): void {
    if (this.released || this.lockPath === undefined) return;
    this.released = true;
    held.delete(this.lockPath);
    unlinkQuietly(this.lockPath);
  }
}

/** The file's real path; for one not created yet, its directory's real path and its name. */
function realPathOrAsGiven(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}

function isRegularOrMissing(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return true;
  }
}

/** The lock's owner, or `undefined` when it holds nothing readable (being written, or not ours). */
function readOwner(lockPath: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.since === 'string') return owner as LockOwner;
  } catch {
    // Being written, or not a lock clickflow wrote.
  }
  return undefined;
}

/** Whether the lock's process is gone: only knowable on this host. This process's own lock, not held any more, is a leftover. */
function isGone(owner: LockOwner, me: LockOwner): boolean {
  if (owner.host !== me.host) return false;
  if (owner.pid === me.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or its directory is: nothing to release.
  }
}
