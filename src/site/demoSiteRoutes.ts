import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StaticRoute } from './StaticRoute.js';

/** Source files of the package: `web/` beside `dist/`. */
const source = (name: string) => fileURLToPath(new URL(`../../../web/${name}`, import.meta.url));
/** Compiled files: `dist/web/`. */
const compiled = (name: string) => fileURLToPath(new URL(`../../web/${name}`, import.meta.url));

const JS = 'text/javascript; charset=utf-8';
const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** The sizes the shop's stock check finds; it also asks for `sold-out`, which is not here: a 404. */
const SIZES_IN_STOCK = ['small', 'large', 'tall'];

/**
 * `/tracker.js`: the browser tracker (README, "The browser tracker"), which every collector
 * serves, so that a page includes it from the collector it posts to.
 */
export function trackerRoutes(): Map<string, StaticRoute> {
  return new Map([['/tracker.js', { contentType: JS, body: readFileSync(compiled('tracker/tracker.js')) }]]);
}

/**
 * The demo shop (`clickflow collect --demo-site`) with the tracker: `/shop`, its script, and the
 * stock API its "Add to cart" calls. Links to `/shop/sale` and `/shop/gift-cards` and every
 * fourth stock check have no route: the server's 404, for which {@link demoSiteNotFound} is
 * the page to answer under `/shop/`.
 */
export function demoSiteRoutes(): Map<string, StaticRoute> {
  const routes = trackerRoutes();
  routes.set('/shop', { contentType: HTML, body: readFileSync(source('shop/index.html')) });
  routes.set('/shop/shop.js', { contentType: JS, body: readFileSync(compiled('shop/shop.js')) });
  for (const size of SIZES_IN_STOCK) {
    routes.set(`/shop/api/stock/${size}.json`, { contentType: JSON_TYPE, body: Buffer.from(JSON.stringify({ size, inStock: true })) });
  }
  return routes;
}

/** A tracked "not found" page, for the 404 of a path under `/shop/`: its page view carries the 404. */
export function demoSiteNotFound(): StaticRoute {
  return { contentType: HTML, body: readFileSync(source('shop/404.html')) };
}

/** The collector's `notFoundPages` for the demo shop: {@link demoSiteNotFound} under `/shop/`. */
export function demoSiteNotFoundPages(): Map<string, StaticRoute> {
  return new Map([['/shop/', demoSiteNotFound()]]);
}
