// `node --import @rohas/telemetry/register app` for apps with no telemetry code: requests in, SIGTERM, and the SQLite
// store read back. The first cases run from a folder holding only the app (no rohas.toml, no
// auto-instrumentations-node): the defaults, with HTTP and undici/fetch instrumented.
import { randomBytes } from 'node:crypto';
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

it('OTEL_PROPAGATORS=b3,b3multi,jaeger: each header format continues its trace, and fetch carries it on', async () => {
  const cwd = bareApp('propagators', 'http-server.mjs');
  const app = await startApp(['--import', '@rohas/telemetry/register', 'http-server.mjs'], {
    cwd,
    env: childEnv({ PORT: '0', OTEL_PROPAGATORS: 'b3,b3multi,jaeger' }),
  });
  const id = (bytes: number) => randomBytes(bytes).toString('hex');
  const sent = [
    { traceId: id(16), spanId: id(8), headers: (t: string, s: string) => ({ b3: `${t}-${s}-1` }) },
    {
      traceId: id(16),
      spanId: id(8),
      headers: (t: string, s: string) => ({ 'X-B3-TraceId': t, 'X-B3-SpanId': s, 'X-B3-Sampled': '1' }),
    },
    { traceId: id(16), spanId: id(8), headers: (t: string, s: string) => ({ 'uber-trace-id': `${t}:${s}:0:1` }) },
  ];
  for (const x of sent) {
    const r = await fetch(`http://127.0.0.1:${app.port}/users`, { headers: x.headers(x.traceId, x.spanId) });
    expect(r.status).toBe(200);
    await r.arrayBuffer();
  }
  // /upstream calls the app itself with fetch: the client span's context goes out in the configured formats only
  // (no traceparent), and the called server span continues it.
  const up = { traceId: id(16), spanId: id(8) };
  const r = await fetch(`http://127.0.0.1:${app.port}/upstream`, { headers: { b3: `${up.traceId}-${up.spanId}-1` } });
  expect(r.status).toBe(200);
  await r.arrayBuffer();
  const stopped = await app.stop('SIGTERM');
  expect(stopped.code, stopped.stderr).toBe(0);
  expect(stopped.stderr).not.toMatch(/not installed/);

  const store = await readBack(join(cwd, '.rohas', 'telemetry'));
  try {
    for (const x of sent) {
      const span = store.serverSpans.find((s) => s.traceId === x.traceId);
      expect(span, `a server span in trace ${x.traceId}`).toBeDefined();
      expect(span!.parentSpanId).toBe(x.spanId);
    }
    const inTrace = store.spans.filter((s) => s.traceId === up.traceId);
    const client = inTrace.find((s) => s.kind === 3);
    expect(client, 'the fetch client span, in the trace the b3 header started').toBeDefined();
    const outer = inTrace.find((s) => s.kind === 2 && s.parentSpanId === up.spanId);
    const inner = inTrace.find((s) => s.kind === 2 && s.parentSpanId === client!.spanId);
    expect(outer, 'the /upstream server span').toBeDefined();
    expect(inner, 'the called server span continues the trace through the outgoing headers').toBeDefined();
  } finally {
    await store.close();
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
