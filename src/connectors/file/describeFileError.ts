/** What an errno code means for a file clickflow reads or writes, and what the user can do about it. */
export interface FileErrorDescription {
  /** `CODE: what it means`, e.g. `ENOENT: no such directory`. */
  readonly reason: string;
  /** What to do, e.g. `create the directory or choose another path`. */
  readonly fix: string;
}

/**
 * Explains a failed open, read or write of `path` (named in some hints) in the user's terms. ENOENT means a missing
 * file when reading, but a missing directory when writing (the file itself would be created).
 */
export function describeFileError(error: unknown, mode: 'read' | 'write', path?: string): FileErrorDescription {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const explain = (what: string, fix: string): FileErrorDescription => ({ reason: `${code}: ${what}`, fix });
  switch (code) {
    case 'ENOENT':
      return mode === 'read'
        ? explain('no such file', 'check that the file exists and the path is right')
        : explain('no such directory', 'create the directory first or choose another path');
    case 'ENOTDIR':
      return explain('a part of the path is not a directory', 'check the path');
    case 'EISDIR':
      return explain('it is a directory', `name a file in it, e.g. file:${path ?? 'DIR'}/${mode === 'read' ? 'events.jsonl' : 'out.lp'}`);
    case 'EACCES':
    case 'EPERM':
      return explain('permission denied', `choose a path you may ${mode} or change its permissions`);
    case 'EROFS':
      return explain('read-only file system', 'write to a writable file system');
    case 'ENOSPC':
      return explain('no space left on the device', 'free some space or write to another disk');
    case 'EDQUOT':
      return explain('disk quota exceeded', 'free some space or write to another disk');
    case 'EFBIG':
      return explain('file too large for the file system', 'write to another file system');
    case 'EIO':
      return explain('input/output error', 'check the device; files under /proc and /sys take no output');
    case 'EPIPE':
      return explain('the reading end of the pipe was closed', 'keep the reader running until clickflow ends');
    case 'ELOOP':
      return explain('too many levels of symbolic links', 'check the symbolic links in the path');
    case 'ENAMETOOLONG':
      return explain('file name too long', 'choose a shorter path');
    case 'EMFILE':
    case 'ENFILE':
      return explain('too many open files', 'raise the limit (ulimit -n) or close other programs');
    case 'ENXIO':
      return explain('no reader on the other end (a FIFO or device)', 'start the reader first');
    default:
      return {
        reason: code === undefined ? String((error as Error | undefined)?.message ?? error) : `${code}: ${(error as Error).message}`,
        fix: `check that the path can be ${mode === 'read' ? 'read' : 'written'}`,
      };
  }
}
