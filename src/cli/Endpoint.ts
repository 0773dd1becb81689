import { InvalidArgumentError } from 'commander';
import { generatorRateArgument } from './generatorRateArgument.js';

/** A source or sink named on the command line. */
export type Endpoint =
  | { readonly kind: 'stdout' }
  | { readonly kind: 'stdin' }
  | { readonly kind: 'kafka'; readonly topic?: string }
  | { readonly kind: 'influx' }
  /** The live generated clickstream of `clickflow demo`; the rate in events per second, else the default. */
  | { readonly kind: 'generator'; readonly ratePerSecond?: number }
  /** Points counted and dropped (shown only on a job manager's page). */
  | { readonly kind: 'none' }
  | { readonly kind: 'file'; readonly path: string }
  /** A PostgreSQL table: the archive job's events (`--output events=postgres://…`). */
  | { readonly kind: 'postgres'; readonly url: string };

/** Parses `--from`: `kafka`, `file:PATH`, `generator[:EVENTS_PER_SECOND]`, or `-` for stdin. */
export function parseSourceEndpoint(text: string): Endpoint {
  if (text === '-') return { kind: 'stdin' };
  if (text === 'kafka') return { kind: 'kafka' };
  if (text === 'generator') return { kind: 'generator' };
  if (text.startsWith('generator:')) {
    return { kind: 'generator', ratePerSecond: generatorRateArgument(text.slice('generator:'.length), 'generator:500') };
  }
  const file = filePath(text);
  if (file !== undefined) return file;
  throw new InvalidArgumentError(`"${text}" is not a source; use kafka, file:PATH for a JSON-lines file, generator[:EVENTS_PER_SECOND] for a live generated clickstream, or - for stdin.`);
}

/** Parses `--to`: `influx`, `stdout`, `file:PATH` or `none`. */
export function parseSinkEndpoint(text: string): Endpoint {
  if (text === 'stdout' || text === '-') return { kind: 'stdout' };
  if (text === 'influx') return { kind: 'influx' };
  if (text === 'none') return { kind: 'none' };
  const file = filePath(text);
  if (file !== undefined) return file;
  throw new InvalidArgumentError(`"${text}" is not a sink; use influx, stdout, file:PATH for a line-protocol file, or none (counted only).`);
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

/** A record output named on the command line: `--output NAME=file:PATH` or `--output NAME=stdout`. */
export interface RecordOutputEndpoint {
  readonly name: string;
  readonly endpoint: Endpoint;
}

/** Parses one `--output NAME=file:PATH` (JSON lines), `NAME=stdout`, or `NAME=postgres://…` (the archive job's events). */
export function parseRecordOutput(text: string): RecordOutputEndpoint {
  const equals = text.indexOf('=');
  const name = text.slice(0, equals);
  if (equals <= 0 || !/^[a-z][a-z0-9_-]*$/.test(name)) {
    throw new InvalidArgumentError(`"${text}" does not name a record output; use NAME=file:PATH or NAME=stdout, NAME in lower case (letters, digits, _ and -), e.g. sessions=file:sessions.jsonl`);
  }
  const destination = text.slice(equals + 1);
  if (destination === 'stdout' || destination === '-') return { name, endpoint: { kind: 'stdout' } };
  if (/^postgres(ql)?:\/\//.test(destination)) return { name, endpoint: { kind: 'postgres', url: destination } };
  const file = filePath(destination);
  if (file !== undefined) return { name, endpoint: file };
  // Never echoes the destination: it may be a mistyped URL with a password in it.
  throw new InvalidArgumentError(`the destination of "${name}" is not a place for records; use file:PATH (JSON lines), stdout, or postgres://USER@HOST:PORT/DATABASE for the archive job's events`);
}

function filePath(text: string): Endpoint | undefined {
  if (!text.startsWith('file:')) return undefined;
  const path = text.slice('file:'.length);
  if (path.length === 0) throw new InvalidArgumentError('file: needs a path, e.g. file:events.jsonl');
  // Connectors read '-' as stdin or stdout: it would escape the checks that one stream holds one output.
  if (path === '-') throw new InvalidArgumentError('file:- names no file; use - (--from) or stdout (--to, --output) for the standard streams, or file:./- for a file named -');
  return { kind: 'file', path };
}
