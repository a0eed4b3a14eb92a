import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { tokenMatches } from './auth.js';
import type { ServerStorage } from './types.js';

/*
 * Request guards of a server without a token, and the unauthenticated /healthz.
 *
 * DNS rebinding: a web page on evil.example can make the victim's browser resolve evil.example to 127.0.0.1 and then
 * read this server's API as same-origin. The browser still sends `Host: evil.example`, so a server without a token
 * answers only requests whose Host is an IP literal, `localhost`, or a name listed in `allowedHosts` (the configured
 * host) — the rule webpack-dev-server's and Vite's `allowedHosts` apply.
 */

/** The host part of a Host header or URL host (`[::1]:4318` -> `::1`, `Example.com.:80` -> `example.com`). */
export function hostName(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  if (colon > 0 && h.indexOf(':') === colon) h = h.slice(0, colon);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** Whether a request with this Host may be served without a token. */
export function hostAllowed(host: string | undefined, allowedHosts: readonly string[]): boolean {
  if (!host) return true; // HTTP/1.0 clients and in-process fetches send none; a browser always does
  const name = hostName(host);
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return allowedHosts.some((h) => hostName(h) === name);
}

/** Refuses requests whose Host is a DNS name this server was not configured with (DNS rebinding), with 403. */
export function hostCheck(allowedHosts: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (!hostAllowed(host, allowedHosts)) {
      return c.json(
        {
          error: {
            status: 403,
            message: `[rohas-telemetry] [server] Host ${JSON.stringify(host)} is not allowed: without a token this server answers only loopback and IP hosts and [telemetry.server] host (a defence against DNS rebinding); set [telemetry.server] token to serve other names`,
          },
        },
        403,
      );
    }
    await next();
  };
}

/**
 * /healthz for a caller without the token (when one is set): only `{ ok }` and the status (200/503) — no backend
 * addresses, paths or versions. A caller with the token falls through to the detailed answer.
 */
export function healthzWithoutToken(token: string, storage: ServerStorage): MiddlewareHandler {
  return async (c: Context, next) => {
    const m = /^Bearer[ ]+(.+)$/i.exec(c.req.header('authorization') ?? '');
    if (m && tokenMatches(m[1]!.trim(), token)) return next();
    let ok = false;
    try {
      ok = (await storage.health()).ok;
    } catch {
      ok = false;
    }
    return c.json({ ok }, ok ? 200 : 503);
  };
}

/** Network codes that mean the backend cannot be reached right now (retry later), not that the query is wrong. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, connection_exception family
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_TEXT =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|connection timeout|timeout exceeded when trying to connect|fetch failed|socket hang up|database is locked|SQLITE_BUSY/i;

/** Whether an error (or one of its causes) says the backend is unreachable or busy: the query API answers 503. */
export function isBackendUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 8;
    depth++
  ) {
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_TEXT.test(e.message)) return true;
    const errors = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(errors) && errors.some((x) => isBackendUnavailable(x))) return true;
    e = e.cause as typeof e;
  }
  return false;
}
