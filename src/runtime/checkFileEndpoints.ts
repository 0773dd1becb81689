import { constants, fstatSync, type Stats } from 'node:fs';
import { access, lstat, open, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { describeFileError } from '../connectors/file/describeFileError.js';
import { descriptorPath } from '../connectors/file/descriptorPath.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { JobSpec } from './JobSpec.js';
import { outputName, type SpecFieldNames } from './SpecFieldNames.js';

/** The parts of a spec that may be files. */
export type FileEndpoints = Pick<JobSpec, 'source' | 'sink' | 'deadLetter' | 'lateOutput' | 'outputs'>;

/** One file a run reads or writes, and how to recognise the same file under another name. */
interface FileUse {
  /** The option or field that named it: `--from`, `--to`, `spec.sink`, … */
  readonly option: string;
  /** The file as the user knows it: the path given, or `stdout, redirected to …`. */
  readonly shown: string;
  readonly input: boolean;
  /** `dev:ino` of a file that exists: the same through symlinks, hard links, `./x` and `x`. */
  readonly identity?: string;
  /** The canonical path, for a file that does not exist yet. */
  readonly realPath?: string;
}

/**
 * Checks, before anything is created or truncated, that a run can read its input file and
 * write each output file, and that no file is used twice: an output on the input would empty
 * it before it is read, two outputs on one file overwrite each other. Files are compared by
 * device and inode where they exist (so symlinks, hard links and `./x` vs `x` are caught) and
 * by canonical path where they do not; stdin and stdout count when they are redirected files.
 * Devices (`/dev/null`, a terminal) may be shared. Throws a {@link ConfigError} naming the
 * option or field (and the other one of a clash) and what to do.
 */
export async function checkFileEndpoints(endpoints: FileEndpoints, names: SpecFieldNames): Promise<void> {
  const uses: (FileUse | undefined)[] = [];
  const { source, sink, deadLetter, lateOutput } = endpoints;
  if (source.kind === 'file') uses.push(await checkInput(names.source, source.path));
  if (source.kind === 'stdin') uses.push(standardStream(0, names.source, 'stdin, redirected from', true));
  if (sink.kind === 'file') uses.push(await checkOutput(names.sink, sink.path));
  if (sink.kind === 'stdout') uses.push(standardStream(1, names.sink, 'stdout, redirected to', false));
  if (deadLetter?.kind === 'file') uses.push(await checkOutput(names.deadLetter, deadLetter.path));
  if (lateOutput?.kind === 'file') uses.push(await checkOutput(names.lateOutput, lateOutput.path));
  for (const [name, output] of Object.entries(endpoints.outputs ?? {})) {
    if (output.kind === 'file') uses.push(await checkOutput(outputName(names, name), output.path));
    if (output.kind === 'stdout') uses.push(standardStream(1, outputName(names, name), 'stdout, redirected to', false));
  }
  const files = uses.filter((use): use is FileUse => use !== undefined);
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const [a, b] = [files[i]!, files[j]!];
      if (sameFile(a, b)) throw clash(a, b);
    }
  }
}

async function checkInput(option: string, path: string): Promise<FileUse> {
  const fail = (cause: unknown) => {
    const { reason, fix } = describeFileError(cause, 'read', path);
    return new ConfigError(option, `cannot read ${path} (${reason}); ${fix}`);
  };
  const stats = await stat(path).catch((error: unknown) => {
    throw fail(error);
  });
  if (stats.isDirectory()) throw fail({ code: 'EISDIR' });
  if (!stats.isFile()) {
    // A pipe (`file:<(zcat …)`, a FIFO) or a device: opening it here would take data, or the
    // writer, away from the reading that follows.
    await access(path, constants.R_OK).catch((error: unknown) => {
      throw fail(error);
    });
    return { option, shown: path, input: true };
  }
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw fail(error);
  });
  await handle.close();
  return { option, shown: path, input: true, identity: identityOf(stats), realPath: await canonical(path) };
}

async function checkOutput(option: string, path: string): Promise<FileUse> {
  const fail = (cause: unknown, fix?: string) => {
    const described = describeFileError(cause, 'write', path);
    return new ConfigError(option, `cannot write ${path} (${described.reason}); ${fix ?? described.fix}`);
  };
  const stats = await stat(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fail(error);
  });
  if (stats !== undefined) {
    if (stats.isDirectory()) throw fail({ code: 'EISDIR' });
    await access(path, constants.W_OK).catch((error: unknown) => {
      throw fail(error);
    });
    if (isDevice(stats)) return { option, shown: path, input: false };
    return { option, shown: path, input: false, identity: identityOf(stats), realPath: await canonical(path) };
  }
  // A dangling symlink: writing creates the file it points to.
  const link = await lstat(path).catch(() => undefined);
  const target = link?.isSymbolicLink() === true ? resolve(dirname(path), await readlink(path)) : path;
  const directory = dirname(target);
  const directoryStats = await stat(directory).catch((error: unknown) => {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw fail(error, missing ? `create ${directory} first (mkdir -p ${directory}) or choose another path` : undefined);
  });
  if (!directoryStats.isDirectory()) throw fail({ code: 'ENOTDIR' }, `${directory} is a file, not a directory; check the path`);
  await access(directory, constants.W_OK | constants.X_OK).catch((error: unknown) => {
    throw fail(error, `choose a directory you may write in, or change the permissions of ${directory}`);
  });
  return { option, shown: path, input: false, realPath: join(await canonical(directory), basename(target)) };
}

/** stdin or stdout, when the shell redirected it to a file (`< events.jsonl`, `> out.lp`). */
function standardStream(fd: number, option: string, redirected: string, input: boolean): FileUse | undefined {
  let stats: Stats;
  try {
    stats = fstatSync(fd);
  } catch {
    return undefined;
  }
  if (isDevice(stats) || stats.isDirectory()) return undefined;
  // Linux names what a descriptor is open on; elsewhere the message just says stdin/stdout.
  const path = descriptorPath(fd);
  const shown = path !== undefined ? `${redirected} ${path}` : redirected.split(',')[0]!;
  return { option, shown, input, identity: identityOf(stats) };
}

function sameFile(a: FileUse, b: FileUse): boolean {
  if (a.identity !== undefined && b.identity !== undefined) return a.identity === b.identity;
  return a.realPath !== undefined && a.realPath === b.realPath;
}

function clash(first: FileUse, second: FileUse): ConfigError {
  const other = second.shown === first.shown ? '' : ` (${first.shown})`;
  if (first.input && second.realPath === undefined && second.shown.startsWith('stdout')) {
    return new ConfigError(
      second.option,
      `${second.shown}, the input of ${first.option}${other}; a > redirection empties the input before clickflow even starts, and >> would append to what it is reading: redirect stdout to another file`,
    );
  }
  if (first.input) {
    return new ConfigError(
      second.option,
      `${second.shown} is also the input of ${first.option}${other}: writing it would destroy the input before it is read; write to another file`,
    );
  }
  return new ConfigError(
    second.option,
    `${second.shown} is also the output of ${first.option}${other}: two outputs on one file overwrite each other; give each its own file`,
  );
}

/** The path with every symlink resolved; `/dev/stdout` on a pipe resolves to no path, and stays as given. */
function canonical(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

function identityOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

function isDevice(stats: Stats): boolean {
  return stats.isCharacterDevice() || stats.isBlockDevice();
}
