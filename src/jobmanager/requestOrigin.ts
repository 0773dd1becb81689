import type { IncomingMessage } from 'node:http';
import { type AllowedHosts, type Authority, isLoopbackName } from '../http/AllowedHosts.js';

/** Why a request is refused before it is routed: its status and what to do. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/**
 * The checks that keep web pages out of a job manager that a browser on the same machine can
 * reach. Without them, any page could make the browser `POST /jobs` (as `text/plain`, which needs
 * no CORS preflight) and run a job that reads and writes the user's files, and a page whose
 * domain re-resolves to 127.0.0.1 (DNS rebinding) could read the answers.
 *
 * - `Host` must be an IP literal, a loopback name, or one of `allowedHosts` (421 otherwise). A
 *   rebinding page reaches the manager under its own domain name; a request to an IP literal
 *   comes from a page of that very address, so any IP is safe, and Prometheus may scrape the
 *   manager by whatever address it has.
 * - `Origin`, sent by browsers on every cross-origin call, must be the manager's own: the
 *   `Host`'s name (or another loopback name when that one is loopback, or an allowed host) on
 *   the same port (403 otherwise). The CLI and curl send none.
 * - Every method but GET and HEAD must send `Content-Type: application/json` (415 otherwise),
 *   a type no cross-origin page can send without a preflight, which the manager never
 *   grants.
 */
export function refusalOf(request: IncomingMessage, allowedHosts: AllowedHosts): Refusal | undefined {
  const hostHeader = request.headers.host;
  const host = allowedHosts.check(hostHeader);
  if (host === undefined) {
    return {
      status: 421,
      message: `this job manager does not answer to Host ${JSON.stringify(hostHeader ?? '')}; call it by an IP address or localhost, or start it with --allowed-host <name> (env CLICKFLOW_ALLOWED_HOSTS) for each name it is reached by`,
    };
  }
  const originHeader = request.headers.origin;
  if (originHeader !== undefined && !sameManager(originHeader, host, allowedHosts)) {
    return { status: 403, message: `cross-origin requests are refused (Origin ${JSON.stringify(originHeader)}); use the page the job manager serves, or a client that sends no Origin` };
  }
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return { status: 415, message: `${method} needs Content-Type: application/json${type === '' ? '' : `, not ${type}`} (curl: -H 'content-type: application/json')` };
    }
  }
  return undefined;
}

/** Whether a page of `origin` is this job manager's own, reached as `host`. */
function sameManager(origin: string, host: Authority, allowedHosts: AllowedHosts): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null": a sandboxed frame, a file:// page, a redirect across sites
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  // Behind a TLS proxy the page is https and Host may carry no port: a missing port is the page's scheme's.
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  if ((url.port || defaultPort) !== (host.port || defaultPort)) return false;
  return url.hostname === host.hostname || (isLoopbackName(url.hostname) && isLoopbackName(host.hostname)) || allowedHosts.named(url.hostname);
}
