import { fstat, type Stats } from 'node:fs';
import { readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../errors/ConfigError.js';
import type { ConnectorFile } from '../runtime/checkConnectorFiles.js';

/** One of the job manager's own files, by path, or by descriptor (its stderr, when it is a file). */
export type ManagerFile = { readonly description: string } & ({ readonly path: string } | { readonly fd: number });

/** A file under every name: its canonical path, and `dev:ino` while it exists. */
interface Identity {
  readonly path?: string;
  readonly inode?: string;
}

const inodeOf = (stats: Stats) => `${stats.dev}:${stats.ino}`;

async function identityOfPath(path: string): Promise<Identity> {
  const stats = await stat(path).catch(() => undefined);
  // The directory resolved, not the file: the state file is replaced at each write, and may not exist yet.
  const directory = await realpath(dirname(resolve(path))).catch(() => dirname(resolve(path)));
  const canonical = await realpath(path).catch(() => resolve(directory, basename(path)));
  return { path: canonical, inode: stats?.isFile() === true ? inodeOf(stats) : undefined };
}

async function identityOfDescriptor(fd: number): Promise<Identity | undefined> {
  const stats = await promisify(fstat)(fd).catch(() => undefined);
  // A terminal, a pipe or /dev/null is no file a job could destroy.
  if (stats?.isFile() !== true) return undefined;
  const path = await readlink(`/proc/self/fd/${fd}`).catch(() => undefined);
  return { path: path?.startsWith('/') === true ? path : undefined, inode: inodeOf(stats) };
}

const same = (a: Identity, b: Identity) => (a.inode !== undefined && a.inode === b.inode) || (a.path !== undefined && a.path === b.path);

/**
 * Refuses a job that would read or write one of the job manager's own files: its state file
 * (and that file's temporary copy), its lock, its log. The manager replaces its state file at
 * each write, so a job's output there is lost, and the job would overwrite the manager's state.
 * @throws ConfigError naming the job's option and the manager's file
 */
export async function refuseManagerFiles(files: readonly (ConnectorFile & { readonly description: string })[], own: readonly ManagerFile[]): Promise<void> {
  if (files.length === 0) return;
  const owned = await Promise.all(
    own.map(async (file) => ({ file, identity: 'fd' in file ? await identityOfDescriptor(file.fd) : await identityOfPath(file.path) })),
  );
  for (const file of files) {
    const identity = await identityOfPath(file.path);
    const hit = owned.find((o) => o.identity !== undefined && same(identity, o.identity));
    if (hit !== undefined) {
      const where = hit.identity?.path !== undefined && hit.identity.path !== file.path ? ` (${hit.identity.path})` : '';
      throw new ConfigError(
        file.description,
        `${file.path} is ${hit.file.description}${where}; a job may not ${file.input ? 'read' : 'write'} the manager's own files: give another file`,
      );
    }
  }
}
