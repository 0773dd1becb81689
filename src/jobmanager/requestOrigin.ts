import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** Why a request is refused before it is routed: its status and what to do. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** A `Host` header's name and port ('' when it gives none). */
interface Authority {
  readonly hostname: string;
  readonly port: string;
}

/** Host names, lowercased, with the brackets of an IPv6 literal, as `URL.hostname` gives them. */
const LOOPBACK_NAMES = new Set(['localhost', '[::1]']);

const isLoopback = (hostname: string) => LOOPBACK_NAMES.has(hostname) || (isIP(hostname) === 4 && hostname.startsWith('127.'));

/** `host[:port]` as a URL's authority, or undefined if it is not one (no user info, path or spaces). */
function authorityOf(host: string): Authority | undefined {
  if (!/^[A-Za-z0-9.\-[\]:]+$/.test(host)) return undefined;
  try {
    const url = new URL(`http://${host}`);
    return { hostname: url.hostname, port: url.port };
  } catch {
    return undefined;
  }
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
export function refusalOf(request: IncomingMessage, allowedHosts: ReadonlySet<string>): Refusal | undefined {
  const hostHeader = request.headers.host;
  const host = hostHeader === undefined ? undefined : authorityOf(hostHeader);
  const known = (hostname: string) => allowedHosts.has(hostname) || isLoopback(hostname);
  if (host === undefined || !(known(host.hostname) || isIP(host.hostname.replace(/^\[|\]$/g, '')) !== 0)) {
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
function sameManager(origin: string, host: Authority, allowedHosts: ReadonlySet<string>): boolean {
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
  return url.hostname === host.hostname || (isLoopback(url.hostname) && isLoopback(host.hostname)) || allowedHosts.has(url.hostname);
}
