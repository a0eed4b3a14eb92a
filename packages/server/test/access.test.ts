// Bearer token, CORS, loopback default, and the Workbench SPA serving.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenMatches } from '../src/auth.js';
import type { ServerStorage } from '../src/index.js';
import { createApp, startServer } from '../src/index.js';
import { encodeTraces, traceRequestObject } from './support/payloads.js';
import { validateResponse } from './support/schemas.js';
import { openMemory } from './support/storages.js';

const quiet = { info() {}, warn() {}, error() {} };
let storage: ServerStorage;
beforeAll(async () => {
  storage = await openMemory();
});
afterAll(() => storage.shutdown());

describe('bearer token', () => {
  // The token comes from [telemetry.server] token in the storage's config.
  const call = (path: string, init: RequestInit = {}) =>
    createApp(
      { ...storage, config: { ...storage.config, server: { token: 's3cret' } } },
      { logger: quiet },
    ).app.request(path, init);

  it('compares tokens without depending on their length or content', () => {
    expect(tokenMatches('s3cret', 's3cret')).toBe(true);
    expect(tokenMatches('s3cres', 's3cret')).toBe(false);
    expect(tokenMatches('', 's3cret')).toBe(false);
    expect(tokenMatches('s3cret-and-more', 's3cret')).toBe(false);
  });

  it('requires the token on ingest, query and Jaeger routes, not on /healthz or /workbench', async () => {
    for (const path of ['/telemetry/services', '/api/services']) {
      expect((await call(path)).status, path).toBe(401);
      expect((await call(path, { headers: { authorization: 'Bearer wrong' } })).status, path).toBe(401);
      expect((await call(path, { headers: { authorization: 'Bearer s3cret' } })).status, path).toBe(200);
    }
    const denied = await call('/telemetry/services');
    expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer/);
    validateResponse('error', await denied.json());
    const body = encodeTraces(traceRequestObject('auth-svc'));
    const headers = { 'content-type': 'application/x-protobuf' };
    expect((await call('/v1/traces', { method: 'POST', body, headers })).status).toBe(401);
    expect(
      (await call('/v1/traces', { method: 'POST', body, headers: { ...headers, authorization: 'bearer s3cret' } }))
        .status,
    ).toBe(200);
    expect((await call('/healthz')).status).toBe(200);
    expect([200, 503]).toContain((await call('/workbench/')).status);
  });
});

describe('CORS', () => {
  it('sends no CORS headers by default', async () => {
    const { app } = createApp(storage, { logger: quiet });
    const res = await app.request('/telemetry/services', { headers: { origin: 'http://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
  it('allows the configured origins only', async () => {
    const { app } = createApp(storage, { logger: quiet, cors: ['http://ui.example'] });
    const ok = await app.request('/telemetry/services', { headers: { origin: 'http://ui.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://ui.example');
    const other = await app.request('/telemetry/services', { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).not.toBe('http://evil.example');
  });
});

describe('listening address', () => {
  it('binds to 127.0.0.1 by default', async () => {
    const server = await startServer({ storage, port: 0, logger: quiet });
    try {
      expect(server.host).toBe('127.0.0.1');
    } finally {
      await server.close();
    }
  });
});

describe('Workbench', () => {
  let dir: string;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves files, falls back to index.html for deep links, 404s missing assets, never leaves its folder', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rohas-wb-'));
    const dist = join(dir, 'workbench-dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>wb</title>');
    writeFileSync(join(dist, 'assets', 'app-1.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'do not serve');
    const { app } = createApp(storage, { logger: quiet, workbenchDir: dist });
    expect((await app.request('/workbench')).status).toBe(301);
    const index = await app.request('/workbench/');
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>wb</title>');
    const deep = await app.request('/workbench/traces/0123456789abcdef0123456789abcdef?x=1');
    expect(await deep.text()).toContain('<title>wb</title>');
    const js = await app.request('/workbench/assets/app-1.js');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    expect((await app.request('/workbench/assets/missing.js')).status).toBe(404);
    for (const evil of [
      '/workbench/../secret.txt',
      '/workbench/%2e%2e/secret.txt',
      '/workbench/..%2fsecret.txt',
      '/workbench/assets/..%2f..%2fsecret.txt',
    ]) {
      const res = await app.request(evil);
      expect(await res.text(), evil).not.toContain('do not serve');
    }
  });

  it('explains how to build the Workbench when it is not built', async () => {
    const { app } = createApp(storage, { logger: quiet, workbenchDir: join(tmpdir(), 'no-such-workbench-dist') });
    const res = await app.request('/workbench/');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build -w @rohas/telemetry-workbench');
  });
});
