import { InvalidArgumentError } from 'commander';

/** A source or sink named on the command line. */
export type Endpoint =
  | { readonly kind: 'stdout' }
  | { readonly kind: 'stdin' }
  | { readonly kind: 'kafka'; readonly topic?: string }
  | { readonly kind: 'influx' }
  | { readonly kind: 'file'; readonly path: string };

/** Parses `--from`: `kafka`, `file:PATH`, or `-` for stdin. */
export function parseSourceEndpoint(text: string): Endpoint {
  if (text === '-') return { kind: 'stdin' };
  if (text === 'kafka') return { kind: 'kafka' };
  const file = filePath(text);
  if (file !== undefined) return file;
  throw new InvalidArgumentError(`"${text}" is not a source; use kafka, file:PATH for a JSON-lines file, or - for stdin.`);
}

/** Parses `--to`: `influx`, `stdout` or `file:PATH`. */
export function parseSinkEndpoint(text: string): Endpoint {
  if (text === 'stdout' || text === '-') return { kind: 'stdout' };
  if (text === 'influx') return { kind: 'influx' };
  const file = filePath(text);
  if (file !== undefined) return file;
  throw new InvalidArgumentError(`"${text}" is not a sink; use influx, stdout, or file:PATH for a line-protocol file.`);
}

/** Parses `--dead-letter`: `file:PATH` (JSON lines) or `kafka:TOPIC`. */
export function parseDeadLetterEndpoint(text: string): Endpoint {
  if (text.startsWith('kafka:') && text.length > 'kafka:'.length) return { kind: 'kafka', topic: text.slice('kafka:'.length) };
  const file = filePath(text);
  if (file !== undefined) return file;
  throw new InvalidArgumentError(`"${text}" is not a dead-letter output; use file:PATH (JSON lines) or kafka:TOPIC.`);
}

/** Parses `--late-output`: `file:PATH` (JSON lines). */
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
