import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A file the page needs, as served. */
export interface PageAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const require = createRequire(import.meta.url);
/** The page's own files: `web/` of the package, beside `dist/`. */
const web = (name: string) => fileURLToPath(new URL(`../../../web/${name}`, import.meta.url));
/** The page's modules, compiled from web/app/*.ts into dist/web/app. */
const compiled = (name: string) => fileURLToPath(new URL(`../../web/app/${name}`, import.meta.url));
/** A module's name: letters only, so that no path can leave dist/web/app. */
const MODULE_PATH = /^\/app\/([A-Za-z]+\.js)$/;

/** URL path → file. uPlot comes from its npm package: no CDN, so the page works offline. */
const FILES: Readonly<Record<string, { readonly file: () => string; readonly contentType: string }>> = {
  '/': { file: () => web('index.html'), contentType: 'text/html; charset=utf-8' },
  '/app.css': { file: () => web('app.css'), contentType: 'text/css; charset=utf-8' },
  '/uplot/uPlot.iife.min.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), contentType: 'text/javascript; charset=utf-8' },
  '/uplot/uPlot.min.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), contentType: 'text/css; charset=utf-8' },
};

const cache = new Map<string, PageAsset>();

/** The live page's file at `path`, read once; undefined for any other path. */
export function pageAsset(path: string): PageAsset | undefined {
  const module = MODULE_PATH.exec(path)?.[1];
  const entry = module !== undefined && existsSync(compiled(module)) ? { file: () => compiled(module), contentType: 'text/javascript; charset=utf-8' } : FILES[path];
  if (entry === undefined) return undefined;
  let asset = cache.get(path);
  if (asset === undefined) {
    asset = { body: readFileSync(entry.file()), contentType: entry.contentType };
    cache.set(path, asset);
  }
  return asset;
}
