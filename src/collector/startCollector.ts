import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { DEFAULTS } from '../config/defaults.js';
import { ConfigError } from '../errors/ConfigError.js';
import { logger } from '../logging/logger.js';
import { acceptEvents } from './acceptEvents.js';
import { CollectorMetrics } from './CollectorMetrics.js';
import { CollectorUnavailableError } from './CollectorUnavailableError.js';
import { CorsPolicy } from './CorsPolicy.js';
import { AllowedHosts } from '../http/AllowedHosts.js';
import type { EventWriter } from './EventWriter.js';
import { parseEventsBody } from './parseEventsBody.js';
import { RateLimiter } from './RateLimiter.js';
import { RefusedRequestError } from './RefusedRequestError.js';
import { safeJson } from './safeJson.js';
import { WriteQueue } from './WriteQueue.js';

/** A fixed answer to `GET <path>`, such as a script or a page the collector serves beside its API. */
export interface StaticRoute {
  readonly contentType: string;
  readonly body: string | Buffer;
}

/** What {@link startCollector} needs; everything but `writer` has a default in `DEFAULTS.collector`. */
export interface CollectorOptions {
  /** Where events go: e.g. `kafkaEventWriter({ brokers, topic, partitions })`, or an in-memory writer. */
  readonly writer: EventWriter;
  /** TCP port, 0 for any free one. */
  readonly port?: number;
  readonly host?: string;
  /** Host names clients reach the collector by, besides IP addresses, loopback names and a `host` that is a name. */
  readonly allowedHosts?: readonly string[];
  /** The event field that keys each message. */
  readonly key?: string;
  /** Origins whose pages may post events (`*`: any); default none, i.e. only requests without `Origin`. */
  readonly allowOrigins?: readonly string[];
  /** Requests one address may make per window. */
  readonly rateLimit?: { readonly requests: number; readonly windowMs: number };
  readonly maxBodyBytes?: number;
  readonly maxEventsPerRequest?: number;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly maxConnections?: number;
  readonly maxBufferBytes?: number;
  readonly ackTimeoutMs?: number;
  readonly retryAfterSeconds?: number;
  /** Extra `GET` routes by path (e.g. `/tracker.js`), served as they are. */
  readonly routes?: ReadonlyMap<string, StaticRoute>;
  /**
   * Pages answered with 404 to a `GET` of a path under a prefix (e.g. `/shop/`) that no route
   * serves, instead of the API's JSON 404: a site served beside the API gets its own page.
   */
  readonly notFoundPages?: ReadonlyMap<string, StaticRoute>;
}

/** A running collector. */
export interface Collector {
  /** `http://host:port`, the port resolved when 0 was asked for. */
  readonly url: string;
  readonly metrics: CollectorMetrics;
  /**
   * Stops taking connections, waits up to `DEFAULTS.collector.closeTimeoutMs` for the events
   * already accepted into the buffer to be stored, then closes the writer.
   */
  close(): Promise<void>;
}

const EVENTS_PATH = '/v1/events';
const BODY_TYPES = ['application/json', 'application/x-ndjson', 'text/plain'];
const NO_SNIFF = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

/**
 * Starts the HTTP collector: `POST /v1/events` takes a JSON array or NDJSON of click events,
 * validates each one as the jobs do, and answers 202 once the writer (Kafka) has stored the
 * valid ones, with the count and each refused event's index and reason. Also `/health`,
 * `/metrics` (Prometheus) and the `routes` given.
 *
 * Built on Fastify for its routing, body limits, content-type parsing and error handling; the
 * node:http server beneath is made here, with header, body and keep-alive timeouts and a cap on
 * connections, so that slow or hostile clients cannot hold it.
 *
 * @example
 * const collector = await startCollector({ writer: kafkaEventWriter({ brokers, topic: 'clickstream', partitions: 3 }), port: 8090 });
 */
export async function startCollector(options: CollectorOptions): Promise<Collector> {
  const d = DEFAULTS.collector;
  const key = options.key ?? d.key;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new ConfigError('--key', `"${key}" is not a field name; give the event field whose value keys the message, e.g. user_id`);
  const maxBodyBytes = options.maxBodyBytes ?? d.maxBodyBytes;
  const maxEvents = options.maxEventsPerRequest ?? d.maxEventsPerRequest;
  const maxBufferBytes = options.maxBufferBytes ?? d.maxBufferBytes;
  const retryAfterSeconds = options.retryAfterSeconds ?? d.retryAfterSeconds;
  const cors = new CorsPolicy(options.allowOrigins ?? []);
  const host = options.host ?? d.host;
  const allowedHosts = new AllowedHosts([...(options.allowedHosts ?? d.allowedHosts), ...(isIP(host) === 0 ? [host] : [])]);
  const rate = options.rateLimit ?? d.rateLimit;
  const limiter = new RateLimiter(rate.requests, rate.windowMs);
  const metrics = new CollectorMetrics(maxBufferBytes);
  const queue = new WriteQueue(
    options.writer,
    { maxBufferBytes, maxBatchBytes: d.maxBatchBytes, ackTimeoutMs: options.ackTimeoutMs ?? d.ackTimeoutMs, retryAfterSeconds, sendRetry: d.sendRetry },
    metrics,
  );

  const headersTimeoutMs = options.headersTimeoutMs ?? d.headersTimeoutMs;
  const server = createServer({
    headersTimeout: headersTimeoutMs,
    requestTimeout: Math.max(options.requestTimeoutMs ?? d.requestTimeoutMs, headersTimeoutMs),
    keepAliveTimeout: options.keepAliveTimeoutMs ?? d.keepAliveTimeoutMs,
    // Node checks the two timeouts above this often (30 s by default, longer than they are).
    connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
  });
  server.maxConnections = options.maxConnections ?? d.maxConnections;
  const app = Fastify({
    serverFactory: (handler) => server.on('request', handler as (req: IncomingMessage, res: ServerResponse) => void),
    bodyLimit: maxBodyBytes,
    logger: false,
    return503OnClosing: true,
    // Idle keep-alive connections close at once; a request waiting on Kafka still gets its answer.
    forceCloseConnections: 'idle',
  });

  app.removeAllContentTypeParsers();
  // Kept as text: parseEventsBody reads arrays and NDJSON alike. text/plain is what a browser's
  // sendBeacon sends without a CORS preflight.
  app.addContentTypeParser(BODY_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const send = (reply: FastifyReply, status: number, body: unknown, headers: Record<string, string> = {}) =>
    reply.code(status).headers({ ...NO_SNIFF, ...headers }).type('application/json; charset=utf-8').send(safeJson(body));

  app.addHook('onRequest', async (request, reply) => {
    if (allowedHosts.check(request.headers.host) === undefined) {
      return send(reply, 421, {
        error: `this collector does not answer to Host ${JSON.stringify(request.headers.host ?? '')}; call it by an IP address or localhost, or start it with --allowed-host <name> (env CLICKFLOW_ALLOWED_HOSTS) for each name pages and clients reach it by`,
      });
    }
    const origin = request.headers.origin;
    if (!cors.allows(origin, request.headers.host)) return send(reply, 403, { error: 'this page\'s origin may not send events here; the collector\'s --allow-origin lists the pages that may' });
    if (origin !== undefined) reply.headers({ 'access-control-allow-origin': origin, vary: 'Origin' });
    return undefined;
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requests.inc({ route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
  });

  app.options(EVENTS_PATH, async (_request, reply) =>
    reply
      .code(204)
      .headers({ 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'Content-Type', 'access-control-max-age': '600' })
      .send(),
  );

  // On the route itself, not by the raw URL: /v1/%65vents reaches this route too.
  const beforeTheBody = async (request: FastifyRequest, reply: FastifyReply) => {
    const unreadable = unreadableBody(request.headers);
    if (unreadable !== undefined) return send(reply, 415, { error: unreadable });
    const waitSeconds = limiter.take(request.ip);
    if (waitSeconds > 0) return send(reply, 429, { error: `too many requests from this address; wait ${waitSeconds} s` }, { 'retry-after': String(waitSeconds) });
    return undefined;
  };
  app.post(EVENTS_PATH, { onRequest: beforeTheBody }, async (request: FastifyRequest, reply) => {
    const parsed = parseEventsBody(request.body as string, maxEvents);
    const userAgent = request.headers['user-agent']?.slice(0, d.maxUserAgentChars);
    const { messages, refused, bytes } = acceptEvents(parsed, { receivedAt: new Date().toISOString(), userAgent, keyField: key });
    for (const event of refused) metrics.refused.inc({ reason: event.reason });
    await queue.write(messages, bytes);
    metrics.accepted.inc(messages.length);
    return send(reply, 202, { accepted: messages.length, refused });
  });

  app.get('/health', async (_request, reply) => send(reply, 200, { status: 'ok', buffered_events: queue.bufferedEvents }));
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  for (const [path, route] of options.routes ?? []) {
    if (!path.startsWith('/') || path === EVENTS_PATH || path === '/health' || path === '/metrics') {
      throw new ConfigError('routes', `"${path}" cannot be served: give a path that starts with / and is not ${EVENTS_PATH}, /health or /metrics`);
    }
    app.get(path, async (_request, reply) => reply.type(route.contentType).header('x-content-type-options', 'nosniff').send(route.body));
  }

  const notFoundPages = [...(options.notFoundPages ?? [])];
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?', 1)[0]!;
    const page = request.method === 'GET' || request.method === 'HEAD' ? notFoundPages.find(([prefix]) => path.startsWith(prefix))?.[1] : undefined;
    if (page !== undefined) return reply.code(404).type(page.contentType).headers(NO_SNIFF).send(page.body);
    return send(reply, 404, { error: `no such route; events go to POST ${EVENTS_PATH}` });
  });
  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof RefusedRequestError) return send(reply, error.statusCode, { error: error.message });
    if (error instanceof CollectorUnavailableError) return send(reply, 503, { error: error.message }, { 'retry-after': String(error.retryAfterSeconds) });
    // Fastify's own messages may quote the request (its content type): each is replaced by one of ours.
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, 413, { error: `the body is over ${maxBodyBytes} bytes; send fewer events per request` });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return send(reply, 415, { error: `send the events as ${BODY_TYPES.join(', ')}` });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(reply, 400, { error: 'the body is empty; send a JSON array of events or NDJSON' });
      default:
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, error.statusCode, { error: 'the request could not be read; send a JSON array of events or NDJSON' });
    }
    logger.error({ err: error }, 'the collector failed on a request');
    return send(reply, 500, { error: 'the collector failed; see its log' });
  });

  try {
    await app.listen({ port: options.port ?? d.port, host });
  } catch (error) {
    await queue.close(0);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError('--port', `${host}:${options.port ?? d.port} is in use; pick another --port (0: any free one)`);
    }
    throw error;
  }
  const address = server.address() as AddressInfo;
  const listening = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${listening}:${address.port}`,
    metrics,
    close: () =>
      (closed ??= (async () => {
        // The server stops taking requests at once; those waiting on Kafka get their answers from the queue.
        const serverClosed = app.close();
        await queue.close(d.closeTimeoutMs);
        await serverClosed;
      })()),
  };
}

/**
 * Why a body with these headers cannot be read as events, or undefined when it can: a compressed
 * body, or text in a charset other than UTF-8, would be read as garbage and every event refused
 * with a 202, which a client that checks only the status takes for success.
 */
function unreadableBody(headers: IncomingHttpHeaders): string | undefined {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return `Content-Encoding ${encoding} is not supported; send the body uncompressed (a tracker's batch is small)`;
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
    return `charset ${charset} is not supported; send the events as UTF-8`;
  }
  return undefined;
}
