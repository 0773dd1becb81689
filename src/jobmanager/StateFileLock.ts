import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../errors/ConfigError.js';
import { releaseLockFile, rewriteLockFile, takeLockFile, thisProcess, type LockHolder } from '../runtime/LockFile.js';

/**
 * One job manager per state file: two would overwrite each other's jobs, cancel each other's
 * running jobs at start, and run the same Kafka job twice in one group. The lock is a file
 * beside the state file (see `takeLockFile`), holding the manager's pid and URL. A lock whose
 * process is gone (a manager killed with -9) is stale and taken over.
 */
export class StateFileLock {
  private constructor(
    readonly path: string,
    private holder: LockHolder,
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
    const holder = thisProcess();
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new ConfigError('--state-file', `cannot create the directory of ${stateFile} (${(error as Error).message}); a file may stand where a directory should be: choose another --state-file or move it away`);
    }
    let attempt;
    try {
      attempt = takeLockFile(path, holder);
    } catch (error) {
      throw new ConfigError('--state-file', `cannot take the lock ${path} of the state file (${(error as Error).message}); choose a --state-file in a directory you may write, or remove ${path} if no job manager runs on it`);
    }
    if (attempt.taken) return new StateFileLock(path, holder);
    const other = attempt.holder;
    if (other === undefined) {
      throw new ConfigError('--state-file', `${stateFile} is locked by ${path}, which names no manager; if no job manager runs on this state file, delete ${path}`);
    }
    if (other.host !== holder.host) {
      throw new ConfigError(
        '--state-file',
        `${stateFile} is in use by the job manager with pid ${other.pid} on ${other.host}${other.url === undefined ? '' : ` at ${other.url}`}; stop it, or give this one another --state-file. If it is gone, delete ${path}`,
      );
    }
    throw new ConfigError(
      '--state-file',
      `${stateFile} is in use by the job manager with pid ${other.pid}${other.url === undefined ? ' (still starting)' : ` at ${other.url}`}; use that one (clickflow submit --jobmanager ${other.url ?? '<its url>'}), stop it, or give this one another --state-file`,
    );
  }

  /** Records the API's address, for the message a second manager gets. */
  listening(url: string): void {
    this.holder = { ...this.holder, url };
    rewriteLockFile(this.path, this.holder);
  }

  /** Removes the lock, if it is still this manager's. */
  release(): void {
    releaseLockFile(this.path);
  }
}
