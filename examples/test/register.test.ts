// `node --import @rohas/telemetry/register app` for apps with no telemetry code: requests in, SIGTERM, and the SQLite
// store read back. The first cases run from a folder holding only the app (no rohas.toml, no
// auto-instrumentations-node): the defaults, with HTTP and undici/fetch instrumented.
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, examplesDir, startApp, tempDir } from './support/child.js';
import { get, readBack } from './support/store.js';

const tmp = tempDir('register');
afterAll(() => tmp.remove());
const coreDir = join(examplesDir, '..', 'packages', 'core');

/** A folder holding only the app and @rohas/telemetry (as `npm install @rohas/telemetry` leaves it). */
function bareApp(name: string, file: string): string {
  const dir = join(tmp.dir, name);
  mkdirSync(join(dir, 'node_modules', '@rohas'), { recursive: true });
  symlinkSync(coreDir, join(dir, 'node_modules', '@rohas', 'telemetry'));
  copyFileSync(join(examplesDir, 'zero-code', file), join(dir, file));
  return dir;
}

describe.each([
  [
    '--import, ESM app',
    'http-server.mjs',
    (app: string) => ({ args: ['--import', '@rohas/telemetry/register', app], env: {} }),
  ],
  [
    'NODE_OPTIONS=--import, ESM app',
    'http-server.mjs',
    (app: string) => ({ args: [app], env: { NODE_OPTIONS: '--import=@rohas/telemetry/register' } }),
  ],
  [
    '--import, CommonJS app',
    'http-server.cjs',
    (app: string) => ({ args: ['--import', '@rohas/telemetry/register', app], env: {} }),
  ],
])('%s, no config file', (label, file, how) => {
  it('stores server spans and handler metrics, and exits 0 within 2 s of SIGTERM', async () => {
    const cwd = bareApp(label.replace(/\W+/g, '-'), file);
    const { args, env } = how(file);
    const app = await startApp(args, { cwd, env: childEnv({ ...env, PORT: '0', OTEL_LOG_LEVEL: 'debug' }) });
    const cjs = file.endsWith('.cjs');
    const paths = cjs ? ['/hello', '/hello', '/fail'] : ['/users', '/users/1', '/users/2', '/fail'];
    expect(await get(app.port, paths)).toEqual(cjs ? [200, 200, 500] : [200, 200, 200, 500]);
    const stopped = await app.stop('SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.ms, stopped.stderr).toBeLessThan(2000);

    // No rohas.toml: the default store, .rohas/telemetry in the working folder.
    const r = await readBack(join(cwd, '.rohas', 'telemetry'));
    try {
      expect(r.serverSpans).toHaveLength(cjs ? 3 : 4);
      expect(r.serverSpans.every((s) => s.resource.attributes['service.name'] === 'unknown_service:node')).toBe(true);
      expect(r.serverSpans.filter((s) => s.status.code === 2)).toHaveLength(1); // the 500
      // node:http gives no route: handler_name is the span name (the method).
      expect(await r.counter('handler.execution.count', 'handler_name')).toEqual({ GET: cjs ? 3 : 4 });
      expect(await r.counter('handler.execution.errors', 'handler_name')).toEqual({ GET: 1 });
      expect(await r.counter('traces.span.metrics.calls', 'service.name')).toEqual({
        'unknown_service:node': cjs ? 3 : 4,
      });
    } finally {
      await r.close();
    }
  });
});

it('fetch inside a request: a client span, and the trace context carried to the server span it calls', async () => {
  const cwd = bareApp('fetch', 'http-server.mjs');
  const app = await startApp(['--import', '@rohas/telemetry/register', 'http-server.mjs'], {
    cwd,
    env: childEnv({ PORT: '0' }),
  });
  expect(await get(app.port, ['/upstream'])).toEqual([200]);
  const stopped = await app.stop('SIGTERM');
  // Exit 0, but no 2 s bound here: once a process has called fetch, Node's exit waits for V8 to finish optimising
  // undici's llhttp WebAssembly in the background — 1.1-2.3 s on this loaded machine even for an app with no
  // telemetry whose SIGTERM handler only calls process.exit(0); with V8's --liftoff-only it is 80-230 ms.
  expect(stopped.code, stopped.stderr).toBe(0);
  const r = await readBack(join(cwd, '.rohas', 'telemetry'));
  try {
    const client = r.spans.find((s) => s.kind === 3)!;
    expect(client, 'fetch produced a client span').toBeDefined();
    const called = r.serverSpans.find((s) => s.parentSpanId === client.spanId);
    expect(called?.traceId, 'traceparent propagated through fetch').toBe(client.traceId);
    expect(r.serverSpans).toHaveLength(2);
  } finally {
    await r.close();
  }
});

describe('an Express app with auto-instrumentations-node installed (examples/zero-code)', () => {
  it('stores spans with http.route, handler metrics by route, and pino logs with trace ids', async () => {
    const store = join(tmp.dir, 'express-store');
    const app = await startApp(['--import', '@rohas/telemetry/register', join('zero-code', 'express-app.mjs')], {
      env: childEnv({ PORT: '0', ROHAS_TELEMETRY_PATH: store, OTEL_SERVICE_NAME: 'users-express' }),
    });
    expect(await get(app.port, ['/users', '/users/1', '/users/2', '/users/9', '/fail'])).toEqual([
      200, 200, 200, 404, 500,
    ]);
    const stopped = await app.stop('SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.ms, stopped.stderr).toBeLessThan(2000);

    const r = await readBack(store);
    try {
      const routes = r.serverSpans.map((s) => s.attributes['http.route']).sort();
      expect(routes).toEqual(['/fail', '/users', '/users/:id', '/users/:id', '/users/:id']);
      expect(r.serverSpans.every((s) => s.resource.attributes['service.name'] === 'users-express')).toBe(true);
      expect(await r.counter('handler.execution.count', 'handler_name')).toEqual({
        '/users': 1,
        '/users/:id': 3,
        '/fail': 1,
      });
      expect(await r.counter('handler.execution.errors', 'handler_name')).toEqual({ '/fail': 1 });
      // pino records, stored as logs in the trace of their request.
      const found = r.serverSpans.find(
        (s) => s.attributes['http.target'] === '/users/1' || s.attributes['url.path'] === '/users/1',
      )!;
      const logs = await r.storage.query.queryLogs({ traceId: found.traceId });
      expect(logs.items.map((l) => l.body)).toEqual(['found user']);
      expect(logs.items[0]!.spanId).toBeDefined();
      const warn = await r.storage.query.queryLogs({ text: 'no such user' });
      expect(warn.items).toHaveLength(1);
      expect(r.serverSpans.map((s) => s.traceId)).toContain(warn.items[0]!.traceId);
    } finally {
      await r.close();
    }
  });
});
