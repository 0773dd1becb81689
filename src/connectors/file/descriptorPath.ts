import { readlinkSync } from 'node:fs';

/**
 * The path of the file a descriptor is open on (stdout redirected with `> out.lp`), as Linux's
 * `/proc/self/fd` names it (with ` (deleted)` after it once the file was deleted); undefined for
 * a pipe or socket, or where there is no `/proc`.
 */
export function descriptorPath(fd: number): string | undefined {
  let path: string;
  try {
    path = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
  return path.startsWith('/') ? path : undefined;
}
