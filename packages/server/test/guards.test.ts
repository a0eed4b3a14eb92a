import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { hostAllowed, isBackendUnavailable } from '../src/guards.js';
import type { ServerStorage } from '../src/types.js';
import { openMemory } from './support/storages.js';

const quiet = { info() {}, warn() {}, error() {} };

describe('Host check without a token (DNS rebinding)', () => {
  it('serves loopback, IP and configured hosts and refuses other names', async () => {
    expect(hostAllowed('127.0.0.1:4318', [])).toBe(true);
    expect(hostAllowed('[::1]:4318', [])).toBe(true);
    expect(hostAllowed('localhost:4318', [])).toBe(true);
    expect(hostAllowed('10.1.2.3', [])).toBe(true);
    expect(hostAllowed('evil.example:4318', [])).toBe(false);
    expect(hostAllowed('telemetry.internal:4318', ['telemetry.internal'])).toBe(true);
    const storage = await openMemory();
    const { app } = createApp(storage, { logger: quiet });
    const get = (host: string) => app.fetch(new Request('http://127.0.0.1/telemetry/services', { headers: { host } }));
    expect((await get('127.0.0.1:4318')).status).toBe(200);
    const refused = await get('evil.example:4318');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/DNS rebinding/);
    // With a token the token is the guard; any Host may be used.
    const withToken = createApp(storage, { logger: quiet, token: 's3cret' }).app;
    const res = await withToken.fetch(
      new Request('http://x/telemetry/services', { headers: { host: 'evil.example', authorization: 'Bearer s3cret' } }),
    );
    expect(res.status).toBe(200);
    await storage.shutdown();
  });
});

describe('/healthz', () => {
  it('says only ok / not ok to a caller without the token', async () => {
    const storage = await openMemory();
    const { app } = createApp(storage, { logger: quiet, token: 's3cret' });
    const anon = await app.fetch(new Request('http://127.0.0.1/healthz'));
    expect(anon.status).toBe(200);
    expect(await anon.json()).toEqual({ ok: true });
    const authed = await app.fetch(
      new Request('http://127.0.0.1/healthz', { headers: { authorization: 'Bearer s3cret' } }),
    );
    expect(Object.keys((await authed.json()) as object)).toContain('backend');
    await storage.shutdown();
  });

  it('answers 503 while the storage reports not ok, and the query API answers 503 when the backend is unreachable', async () => {
    const real = await openMemory();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const down: ServerStorage = {
      ...real,
      stats: () => real.stats(),
      health: async () => ({ ok: false, message: 'traces writes failing for 12 s', signals: {} }),
      query: {
        ...real.query,
        findTraces: async () => {
          throw new Error('query failed', { cause: refused });
        },
      },
    };
    const { app } = createApp(down, { logger: quiet });
    const h = await app.fetch(new Request('http://127.0.0.1/healthz'));
    expect(h.status).toBe(503);
    const q = await app.fetch(new Request('http://127.0.0.1/telemetry/traces?service=x'));
    expect(q.status).toBe(503);
    expect(q.headers.get('retry-after')).toBe('5');
    expect(isBackendUnavailable(new Error('syntax error at or near "x"'))).toBe(false);
    await real.shutdown();
  });
});
