import { InvalidArgumentError } from 'commander';

/** A source or sink named on the command line. */
export type Endpoint =
  | { readonly kind: 'stdout' }
  | { readonly kind: 'stdin' }
  | { readonly kind: 'file'; readonly path: string };

/** Parses `--from`: `file:PATH`, or `-` for stdin. */
export function parseSourceEndpoint(text: string): Endpoint {
  if (text === '-') return { kind: 'stdin' };
  const file = filePath(text);
  if (file !== undefined) return file;
  throw new InvalidArgumentError(`"${text}" is not a source; use file:PATH for a JSON-lines file, or - for stdin.`);
}

/** Parses `--to`: `stdout` or `file:PATH`. */
export function parseSinkEndpoint(text: string): Endpoint {
  if (text === 'stdout' || text === '-') return { kind: 'stdout' };
  const file = filePath(text);
  if (file !== undefined) return file;
  throw new InvalidArgumentError(`"${text}" is not a sink; use stdout, or file:PATH for a line-protocol file.`);
}

/** Parses an optional side output (`--dead-letter`, `--late-output`): `file:PATH`. */
export function parseSideOutput(text: string): Endpoint {
  const file = filePath(text);
  if (file !== undefined) return file;
  throw new InvalidArgumentError(`"${text}" is not an output; use file:PATH (JSON lines).`);
}

function filePath(text: string): Endpoint | undefined {
  if (!text.startsWith('file:')) return undefined;
  const path = text.slice('file:'.length);
  if (path.length === 0) throw new InvalidArgumentError('file: needs a path, e.g. file:events.jsonl');
  return { kind: 'file', path };
}
