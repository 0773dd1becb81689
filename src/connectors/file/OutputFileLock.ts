import { fstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ClickflowError } from '../../errors/ClickflowError.js';
import { descriptorPath } from './descriptorPath.js';
import { releaseLockFile, takeLockFile, thisProcess, type LockHolder } from '../../runtime/LockFile.js';

/**
 * An output file another clickflow process writes: two writers would cut each other's lines.
 * Retriable when that process runs on this host: a job manager's worker left by a manager
 * killed with -9 finishes its own stop and lets go, and the restarted job then goes on.
 */
export class OutputFileLockedError extends ClickflowError {
  override readonly name = 'OutputFileLockedError';

  constructor(path: string, lockPath: string, holder: LockHolder | undefined, option?: string) {
    const who = holder === undefined ? 'another clickflow process' : `clickflow process ${holder.pid} on ${holder.host}${holder.since === undefined ? '' : ` (since ${holder.since})`}`;
    super(
      `${option === undefined ? '' : `${option}: `}${path} is being written by ${who}: give each instance its own file, or stop that one first. ` +
        `If no such process runs any more, delete ${lockPath}`,
      { retriable: holder !== undefined && holder.host === hostname() && holder.pid !== process.pid },
    );
  }
}

/** Locks this process holds: released on exit, even when a job never closes its output. */
const held = new Set<string>();
let releaseOnExit = false;

/**
 * A lock beside an output file (`PATH.lock` next to the file's real path, holding the writer's
 * pid and host; see `takeLockFile`), taken before the file is truncated or cut back to a
 * commit, so that a second process given the same file, by any spelling, is refused instead of
 * cutting the first one's lines. A lock left by a process that is gone (a kill -9 on this host)
 * is taken over. Pipes and devices (`/dev/null`, a FIFO) are not locked: writers share them by
 * design; nor is a file in a directory where no lock file can be created.
 */
export class OutputFileLock {
  private released = false;

  private constructor(readonly lockPath: string | undefined) {}

  /** @throws OutputFileLockedError while another live process on this host (or any on another), or another output of this one, holds it */
  static acquire(path: string, option?: string): OutputFileLock {
    if (!isRegularOrMissing(path)) return new OutputFileLock(undefined);
    const lockPath = `${realPathOf(path)}.lock`;
    if (held.has(lockPath)) throw new OutputFileLockedError(path, lockPath, thisProcess(), option);
    let attempt;
    try {
      attempt = takeLockFile(lockPath, thisProcess());
    } catch {
      // A directory that takes no new file (read-only, or missing: opening the output says so
      // in its own words): the output goes unlocked, as before locks, rather than not at all.
      return new OutputFileLock(undefined);
    }
    if (!attempt.taken) throw new OutputFileLockedError(path, lockPath, attempt.holder, option);
    held.add(lockPath);
    if (!releaseOnExit) {
      releaseOnExit = true;
      process.once('exit', () => {
        for (const lock of held) releaseLockFile(lock);
      });
    }
    return new OutputFileLock(lockPath);
  }

  /**
   * The lock of the file stdout was redirected to (`> out.lp`), found through Linux's
   * `/proc/self/fd/1`: the shell opened it, but two jobs writing it would interleave their lines
   * just as two given it by name. None for a pipe or a terminal, nor where `/proc` is missing.
   * @throws OutputFileLockedError as `acquire`
   */
  static acquireStdout(option?: string): OutputFileLock | undefined {
    try {
      if (!fstatSync(1).isFile()) return undefined;
    } catch {
      return undefined;
    }
    // Deleted since it was opened: nobody else can be given it by name.
    const path = descriptorPath(1);
    return path === undefined || path.endsWith(' (deleted)') ? undefined : OutputFileLock.acquire(path, option);
  }

  release(): void {
    if (this.released || this.lockPath === undefined) return;
    this.released = true;
    held.delete(this.lockPath);
    releaseLockFile(this.lockPath);
  }
}

/**
 * The file's real path, following symbolic links even to a file not created yet (the first
 * writer creates it, and every spelling must meet at one lock from the start).
 */
function realPathOf(path: string): string {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    try {
      return realpathSync(current);
    } catch {
      // Not there yet: a dangling link points on; otherwise the directory's real path and the name.
    }
    let target: string;
    try {
      target = readlinkSync(current);
    } catch {
      try {
        return join(realpathSync(dirname(current)), basename(current));
      } catch {
        return current;
      }
    }
    current = resolve(dirname(current), target);
  }
  return current;
}

function isRegularOrMissing(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return true;
  }
}
