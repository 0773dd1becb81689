import type { ConnectorFile } from '../runtime/checkConnectorFiles.js';
import type { RunOptions } from './commands/runCommand.js';

/** The files a run reads and writes, with the option that names each. */
export function fileEndpointsOf(options: Pick<RunOptions, 'from' | 'to' | 'deadLetter' | 'lateOutput' | 'outputs'>): (ConnectorFile & { readonly description: string })[] {
  const files: (ConnectorFile & { readonly description: string })[] = [];
  if (options.from.kind === 'file') files.push({ path: options.from.path, input: true, description: '--from' });
  for (const [option, endpoint] of [['--to', options.to], ['--dead-letter', options.deadLetter], ['--late-output', options.lateOutput]] as const) {
    if (endpoint?.kind === 'file') files.push({ path: endpoint.path, input: false, description: option });
  }
  for (const { name, endpoint } of options.outputs ?? []) {
    if (endpoint.kind === 'file') files.push({ path: endpoint.path, input: false, description: `--output ${name}` });
  }
  return files;
}
