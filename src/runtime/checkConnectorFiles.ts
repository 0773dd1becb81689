import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError } from '../errors/ConfigError.js';

/** A file a connector reads or writes, as it declares it. */
export interface ConnectorFile {
  readonly path: string;
  readonly input: boolean;
}

/** The same file under every name: device and inode where it exists, the canonical path where not. */
function identityOf(path: string): { key: string; shareable: boolean } {
  try {
    const stats = statSync(path);
    // Devices (/dev/null, a terminal) and FIFOs carry no contents to destroy: they may be shared.
    return { key: `${stats.dev}:${stats.ino}`, shareable: stats.isCharacterDevice() || stats.isFIFO() };
  } catch {
    let directory = resolve(dirname(path));
    try {
      directory = realpathSync(directory);
    } catch {
      // A missing directory: the connector reports it when it opens.
    }
    return { key: resolve(directory, basename(path)), shareable: false };
  }
}

/**
 * Refuses a job whose connectors use one file twice: an output on the input would empty it
 * before it is read, and two outputs on one file overwrite each other. `clickflow run` checks
 * its files in more detail first; this guards every other way of starting a job.
 *
 * @throws ConfigError naming both uses
 */
export function checkConnectorFiles(files: readonly (ConnectorFile & { readonly description: string })[]): void {
  const seen = new Map<string, ConnectorFile & { readonly description: string }>();
  for (const file of files) {
    if (file.path === '-') continue;
    const { key, shareable } = identityOf(file.path);
    if (shareable) continue;
    const other = seen.get(key);
    if (other !== undefined && !(other.input && file.input)) {
      throw new ConfigError(
        file.description,
        `${file.path} is also used by ${other.description}; ${other.input || file.input ? 'an output on the input would empty it before it is read' : 'two outputs on one file overwrite each other'}: give each its own file`,
      );
    }
    seen.set(key, file);
  }
}
