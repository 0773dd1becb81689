import { isIP } from 'node:net';

/** A `Host` header's name (lowercased, an IPv6 literal in brackets) and port ('' when it gives none). */
export interface Authority {
  readonly hostname: string;
  readonly port: string;
}

const LOOPBACK_NAMES = new Set(['localhost', '[::1]']);

/** Whether `hostname` (as `URL.hostname` gives it) names this machine's loopback. */
export function isLoopbackName(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname) || (isIP(hostname) === 4 && hostname.startsWith('127.'));
}

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
 * The names a local server answers to in `Host`, against DNS rebinding: a page whose domain
 * re-resolves to this machine reaches the server under its own domain name, which is not on
 * the list. IP literals always pass (a request to an IP comes from a page of that very address,
 * and Prometheus scrapes by address), and so do loopback names and the names given.
 */
export class AllowedHosts {
  private readonly names: ReadonlySet<string>;

  /** @param names host names without port, any case */
  constructor(names: readonly string[]) {
    this.names = new Set(names.map((name) => name.toLowerCase()));
  }

  /** The request's authority when its `Host` header (undefined: none) is answered, else undefined. */
  check(hostHeader: string | undefined): Authority | undefined {
    const host = hostHeader === undefined ? undefined : authorityOf(hostHeader);
    if (host === undefined) return undefined;
    const { hostname } = host;
    return this.names.has(hostname) || isLoopbackName(hostname) || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0 ? host : undefined;
  }

  /** Whether `hostname` is one of the names given (not counting loopback names). */
  named(hostname: string): boolean {
    return this.names.has(hostname);
  }
}
