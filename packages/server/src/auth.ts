import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

/**
 * Bearer-token check. Both sides are hashed to 32 bytes first so the comparison takes the same time whatever the
 * length or content of the presented token (crypto.timingSafeEqual needs equal lengths).
 */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerAuth(
  token: string,
  onFail: (c: Parameters<MiddlewareHandler>[0]) => Response,
): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer[ ]+(.+)$/i.exec(header);
    if (!m || !tokenMatches(m[1]!.trim(), token)) {
      const res = onFail(c);
      res.headers.set('www-authenticate', 'Bearer realm="rohas-telemetry"');
      return res;
    }
    await next();
  };
}
