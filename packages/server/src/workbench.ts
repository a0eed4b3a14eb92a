import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/*
 * Serves the Workbench single-page app (built by packages/workbench into packages/server/workbench-dist/) at
 * /workbench and /workbench/*: a file that exists is served as it is, any other path gets index.html so deep links
 * (/workbench/traces/<id>) load the app. When the app is not built, a page says how to build it.
 *
 * Every answer carries a Content-Security-Policy that allows only this origin's own files (the app has no inline
 * script or style element; preact and uPlot set styles through the CSSOM, which style-src does not govern), plus
 * X-Frame-Options: DENY and frame-ancestors 'none' so no other site can frame the page (clickjacking).
 */

/** The Workbench's policy. `data:` images: the favicon is an inline SVG. The API is on the same origin. */
export const WORKBENCH_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
/** The "not built" page has one inline style element and nothing else. */
const NOT_BUILT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
const SECURITY_HEADERS = {
  'content-security-policy': WORKBENCH_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function defaultWorkbenchDir(): string {
  // src/ and dist/ both sit next to workbench-dist/ in the package folder.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'workbench-dist');
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rohas-telemetry Workbench not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>The Workbench is not built</h1>
<p>This server has no <code>workbench-dist/</code> folder to serve. Build the Workbench and restart the server:</p>
<p><code>npm run build -w @rohas/telemetry-workbench</code></p>
<p>The receiver (<code>/v1/traces</code>, <code>/v1/metrics</code>, <code>/v1/logs</code>), the query API (<code>/telemetry/...</code>)
and <a href="/healthz">/healthz</a> work without it.</p></body></html>`;

export function registerWorkbench(app: Hono, dir: string): void {
  const root = resolve(dir);
  const headers = (path: string) => ({
    'content-type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    // Hashed assets may be cached; index.html must not be, so a rebuilt app is picked up.
    'cache-control': path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...SECURITY_HEADERS,
  });

  app.get('/workbench', (c) => c.redirect('/workbench/', 301));
  app.get('/workbench/*', async (c) => {
    const index = join(root, 'index.html');
    if (!existsSync(index))
      return c.html(NOT_BUILT, 503, { ...SECURITY_HEADERS, 'content-security-policy': NOT_BUILT_CSP });
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(c.req.url).pathname.slice('/workbench/'.length));
    } catch {
      return c.text('bad path', 400, SECURITY_HEADERS);
    }
    const file = normalize(join(root, rel));
    // Never serve anything outside the Workbench folder (../ or encoded variants).
    if (rel !== '' && (file === root || file.startsWith(root + sep)) && !rel.includes('\0')) {
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile()) return c.body(new Uint8Array(await readFile(file)), 200, headers(file));
      // A missing file that looks like an asset is a 404, not the app: a broken <script> must fail visibly.
      if (extname(rel) !== '' && extname(rel) !== '.html') return c.text('not found', 404, SECURITY_HEADERS);
    }
    return c.body(new Uint8Array(await readFile(index)), 200, headers(index));
  });
}
