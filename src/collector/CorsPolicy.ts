import { ConfigError } from '../errors/ConfigError.js';

/**
 * Which web pages may send events from a browser (`--allow-origin`). A request without an
 * `Origin` header (a server, curl) is not a browser's cross-origin call and always passes, and
 * so does one from a page the collector serves itself (its `Origin` names the `Host` it
 * called, as browsers send it on a same-origin POST); a browser's from another origin not on
 * the list is refused (403), so that another site cannot make its visitors' browsers post
 * events here.
 */
export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;
  private readonly any: boolean;

  /** @param allowed origins as `scheme://host[:port]`, or `*` for any */
  constructor(allowed: readonly string[]) {
    this.any = allowed.includes('*');
    this.origins = new Set(allowed.filter((origin) => origin !== '*').map(normalOrigin));
  }

  /** Whether a request with this `Origin` header (undefined: none), sent to `host` (its `Host` header), may be served. */
  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || this.any || this.origins.has(origin.toLowerCase())) return true;
    // Same origin: the scheme does not matter here, a TLS proxy in front changes it.
    const authority = /^https?:\/\/([^/]+)$/i.exec(origin)?.[1];
    return authority !== undefined && host !== undefined && authority.toLowerCase() === host.toLowerCase();
  }
}

/** An `--allow-origin` value as browsers send it in `Origin`, or a ConfigError that says how to write it. */
export function normalOrigin(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin === 'null' || `${url.origin}/` !== url.href.replace(/\/?$/, '/')) {
    throw new ConfigError('--allow-origin', `"${text}" is not an origin; write scheme://host[:port] without a path, e.g. https://shop.example.com, or * for any page`);
  }
  return url.origin;
}
