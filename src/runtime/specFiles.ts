import type { ConnectorFile } from './checkConnectorFiles.js';
import type { JobSpec } from './JobSpec.js';
import { outputName, type SpecFieldNames } from './SpecFieldNames.js';

/** The files a spec reads and writes (secret files aside), each with the option or field that names it. */
export function specFiles(
  spec: Pick<JobSpec, 'source' | 'sink' | 'deadLetter' | 'lateOutput' | 'outputs'>,
  names: SpecFieldNames,
): (ConnectorFile & { readonly description: string })[] {
  const files: (ConnectorFile & { readonly description: string })[] = [];
  if (spec.source.kind === 'file') files.push({ path: spec.source.path, input: true, description: names.source });
  for (const [name, endpoint] of [[names.sink, spec.sink], [names.deadLetter, spec.deadLetter], [names.lateOutput, spec.lateOutput]] as const) {
    if (endpoint?.kind === 'file') files.push({ path: endpoint.path, input: false, description: name });
  }
  for (const [name, output] of Object.entries(spec.outputs ?? {})) {
    if (output.kind === 'file') files.push({ path: output.path, input: false, description: outputName(names, name) });
  }
  return files;
}

/** The secret files a spec names (password, CA, certificate, key), each with the option or field that names it. */
export function specSecretFiles(spec: Pick<JobSpec, 'kafka'>, names: SpecFieldNames): { readonly option: string; readonly path: string }[] {
  const security = spec.kafka?.security;
  const files: [string, string | undefined][] = [
    [names.passwordFile, security?.sasl?.passwordFile],
    [names.caFile, security?.ssl?.caFile],
    [names.certFile, security?.ssl?.certFile],
    [names.keyFile, security?.ssl?.keyFile],
  ];
  return files.flatMap(([option, path]) => (path === undefined ? [] : [{ option, path }]));
}
