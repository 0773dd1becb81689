import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ClickflowError } from '../errors/ClickflowError.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { JobSpec } from '../runtime/JobSpec.js';
import { parseJobSpec } from '../runtime/parseJobSpec.js';
import { parseRestartStrategy } from './RestartStrategy.js';
import type { JobManager } from './JobManager.js';
import { jobDetailView, jobSummaryView } from './jobView.js';
import type { LiveHub } from './LiveHub.js';
import { serveLiveStream } from './liveEventStream.js';
import type { ManagerMetrics } from './ManagerMetrics.js';
import { StateFileError } from './StateFileError.js';
import { pageAsset } from './pageAssets.js';
import { refusalOf } from './requestOrigin.js';
import { AllowedHosts } from '../http/AllowedHosts.js';

/** What `POST /jobs` was given: `clickflow run` flags (as `clickflow submit` sends them), or a spec. */
export type Submission = { readonly job: string; readonly args: readonly string[] } | { readonly spec: JobSpec };

/** Checks a submission as `clickflow run` would, before anything starts; throws with run's message. */
export type SubmissionCheck = (submission: Submission) => Promise<{ readonly name: string }>;

/** What the server serves. */
export interface JobManagerServerOptions {
  readonly manager: JobManager;
  readonly metrics: ManagerMetrics;
  /** The live page's data: `GET /live`. */
  readonly live: LiveHub;
  readonly check: SubmissionCheck;
  /** Required as `Authorization: Bearer <token>` on every call but /health and /metrics, when set. */
  readonly token?: string;
  /** Names besides IP addresses and loopback names that requests may carry in `Host`, lowercased. */
  readonly allowedHosts: readonly string[];
  readonly defaultRestart: string;
}

const MAX_BODY_BYTES = 1 << 20;

const SUBMISSION_FIELDS = new Set(['job', 'args', 'spec', 'restart']);

/** The methods each path answers (HEAD with GET); any other gets 405 with them in `Allow`. */
const METHODS_OF_PATH: ReadonlyMap<string, string> = new Map([
  ['/jobs', 'GET, HEAD, POST'],
  ['/health', 'GET, HEAD'],
  ['/metrics', 'GET, HEAD'],
  ['/live', 'GET, HEAD'],
]);

const SUBMISSION_EXAMPLE =
  '{"job": "error-rates", "args": ["--from", "kafka", ...], "restart": "fixed-delay:3:10s"}, or {"spec": {"job": "error-rates", "source": {"kind": "kafka"}, "sink": {"kind": "influx"}}, "restart": …}';

/**
 * The submission a `POST /jobs` body holds: `job` with `args` (run's flags), or `spec`.
 * @throws HttpError 400 for a body of neither shape; ConfigError (a 400 too) for a bad spec
 */
function submissionOf(body: unknown): Submission {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, `the body must be a JSON object: ${SUBMISSION_EXAMPLE}`);
  // A misspelt field ("restat") would otherwise run the job on a default the user meant to change.
  const unknown = Object.keys(body).filter((field) => !SUBMISSION_FIELDS.has(field));
  if (unknown.length > 0) {
    throw new HttpError(400, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => JSON.stringify(f)).join(', ')}; a submission has "job" and "args", or "spec", and "restart"`);
  }
  const { job, args, spec } = body as { job?: unknown; args?: unknown; spec?: unknown };
  if (spec !== undefined) {
    if (job !== undefined || args !== undefined) throw new HttpError(400, 'give either "spec" or "job" with "args", not both; the spec names its job in spec.job');
    return { spec: parseJobSpec(spec) };
  }
  if (typeof job !== 'string' || job.length === 0) throw new HttpError(400, 'job: missing; give a shipped job\'s name (error-rates) or a module path, or a "spec"');
  const flags = args ?? [];
  if (!Array.isArray(flags) || flags.some((a) => typeof a !== 'string')) throw new HttpError(400, 'args: must be an array of strings, the flags of clickflow run');
  return { job, args: flags as string[] };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the request body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    // Some editors and Windows tools start a saved file with a byte-order mark.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw new HttpError(400, `the body is not JSON; send ${SUBMISSION_EXAMPLE}`);
  }
}

function authorised(request: IncomingMessage, token: string): boolean {
  // The scheme's name is case-insensitive (RFC 9110 §11.1); the token is not.
  const bearer = /^bearer +(.*)$/i.exec(request.headers.authorization ?? '');
  const given = Buffer.from(bearer?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The job manager's REST API, in the shape of Flink's: `POST /jobs`, `GET /jobs`,
 * `GET /jobs/:id`, `DELETE /jobs/:id`, `GET /health`, and `GET /metrics` for Prometheus; and
 * the live page: `GET /` with its scripts, and its Server-Sent Events at `GET /live`. The
 * page's files hold no data, so they need no token; the page sends it with every call.
 * Before anything, {@link refusalOf} turns away foreign `Host`s, foreign pages and bodies that
 * are not JSON. HEAD is answered as GET, without the body.
 */
export function jobManagerServer(options: JobManagerServerOptions): Server {
  const { manager, metrics, check, token } = options;
  const allowedHosts = new AllowedHosts(options.allowedHosts);
  // A submission is checked against the files of the jobs already submitted: two checked at
  // once would not see each other's, and both could take one output file.
  let lastSubmission: Promise<unknown> = Promise.resolve();
  const oneSubmissionAtATime = <R>(submit: () => Promise<R>): Promise<R> => {
    const submitted = lastSubmission.then(submit, submit);
    lastSubmission = submitted.catch(() => undefined);
    return submitted;
  };
  const route = async (request: IncomingMessage, response: ServerResponse) => {
    const refusal = refusalOf(request, allowedHosts);
    if (refusal !== undefined) throw new HttpError(refusal.status, refusal.message);
    // Only a path: an absolute URL (a proxy's form) would name a host the Host check never saw,
    // and a path that starts with // must stay a path, not become a relative URL's host.
    const target = request.url ?? '/';
    if (!target.startsWith('/')) {
      throw new HttpError(400, `the request target ${JSON.stringify(target.slice(0, 100))} is not a path; the API has /jobs, /jobs/:id, /health, /metrics and /live`);
    }
    const url = new URL(`http://localhost${target}`);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    // Node sends no body in answer to HEAD: routed as GET, it gets GET's status and headers.
    const method = request.method === 'HEAD' ? 'GET' : (request.method ?? 'GET');
    if (path === '/health' && method === 'GET') {
      // Still 200: the jobs run on; a probe that restarted the manager would stop them all.
      const problem = manager.stateFileProblem;
      return send(response, 200, problem === undefined ? { status: 'ok', jobs: manager.list().length } : { status: 'degraded', jobs: manager.list().length, stateFile: problem.message });
    }
    if (path === '/metrics' && method === 'GET') {
      const text = await metrics.text();
      response.writeHead(200, { 'content-type': metrics.contentType });
      response.end(text);
      return;
    }
    const asset = method === 'GET' ? pageAsset(path) : undefined;
    if (asset !== undefined) {
      response.writeHead(200, {
        'content-type': asset.contentType,
        'content-length': asset.body.length,
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'self'; img-src 'self' data:",
      });
      response.end(asset.body);
      return;
    }
    if (token !== undefined && !authorised(request, token)) {
      throw new HttpError(401, 'missing or wrong bearer token; send Authorization: Bearer <token> (clickflow: --token or CLICKFLOW_TOKEN)');
    }
    if (path === '/live' && method === 'GET') return serveLiveStream(request, response, options.live);
    if (path === '/jobs' && method === 'GET') return send(response, 200, { jobs: manager.list().map(jobSummaryView) });
    if (path === '/jobs' && method === 'POST') {
      const body = await readJson(request);
      const submission = submissionOf(body);
      const given = (body as { restart?: unknown }).restart;
      if (given !== undefined && typeof given !== 'string') {
        throw new HttpError(400, 'restart: must be a string: none, fixed-delay:<attempts>:<delay> or exponential:<initial>:<max>:<attempts>');
      }
      const restart = parseRestartStrategy(given ?? options.defaultRestart);
      const record = await oneSubmissionAtATime(async () => {
        const { name } = await check(submission);
        return 'spec' in submission ? manager.submitSpec(submission.spec, restart, name) : manager.submit(submission.job, submission.args, restart, name);
      });
      return send(response, 201, jobDetailView(record));
    }
    const match = /^\/jobs\/([^/]+)$/.exec(path);
    if (match !== null) {
      let id: string;
      try {
        id = decodeURIComponent(match[1]!);
      } catch {
        throw new HttpError(404, `no job ${match[1]}; GET /jobs lists them`);
      }
      const record = manager.get(id);
      if (record === undefined) throw new HttpError(404, `no job ${id}; GET /jobs lists them`);
      if (method === 'GET') return send(response, 200, jobDetailView(record));
      if (method === 'DELETE') {
        await manager.cancel(id);
        return send(response, 200, jobDetailView(record));
      }
      throw new HttpError(405, `${method} is not allowed on /jobs/:id; use GET, HEAD or DELETE`, { allow: 'GET, HEAD, DELETE' });
    }
    const allowed = METHODS_OF_PATH.get(path);
    if (allowed !== undefined) throw new HttpError(405, `${method} is not allowed on ${path}; use ${allowed}`, { allow: allowed });
    throw new HttpError(404, `nothing at ${method} ${path}; the API has /jobs, /jobs/:id, /health, /metrics and /live, and the page is at /`);
  };
  return createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof HttpError) send(response, error.status, { error: error.message }, error.headers);
      else if (error instanceof StateFileError) send(response, 503, { error: error.message });
      else if (error instanceof ConfigError || error instanceof ClickflowError) send(response, 400, { error: error.message });
      else send(response, 500, { error: (error as Error).message });
    });
  });
}
