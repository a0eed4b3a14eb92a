// The lean HTTP server instrumentation against @opentelemetry/instrumentation-http's own server spans: the same
// requests go to two node:http servers, one whose `emit` is instrumentation-http's incoming-request wrapper, one with
// the lean wrapper, each with its own tracer provider. Every span must match attribute by attribute (name, kind,
// status, parent, events), except network.peer.port (each connection's own client port: compared by type).
import { Agent, createServer, type Server as HttpServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { getRPCMetadata, W3CTraceContextPropagator } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeanHttpServerInstrumentation } from '../src/lean-http-server.js';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
const thrown = new TypeError('handler failed');
/** What the handler saw inside the span: the active span id in the handler and in a request 'end' listener. */
interface Seen {
  inHandler?: string;
  inListener?: string;
  inOnce?: string;
  counts?: number[];
  same?: boolean;
}
const seen: Seen[] = [];

function collector() {
  const ended: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    spanProcessors: [
      { onStart() {}, onEnd: (s) => ended.push(s), forceFlush: async () => {}, shutdown: async () => {} },
    ],
  });
  return { ended, provider };
}

/** The app: routes by path; /route/* plays an Express-like framework that sets the route on the RPC metadata. */
function handler(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
  const path = (req.url ?? '/').split('?')[0]!;
  const record: Seen = {
    inHandler: trace.getActiveSpan()?.spanContext().spanId,
  };
  seen.push(record);
  if (path.startsWith('/route/')) {
    const rpc = getRPCMetadata(context.active());
    if (rpc) rpc.route = '/route/:id';
  }
  if (path === '/throw') throw thrown;
  if (path === '/listeners') {
    // Bound listeners stay removable by the app's own function, once included, and listeners() gives it back.
    const f = () => {};
    req.on('x', f);
    const added = req.listenerCount('x');
    req.removeListener('x', f);
    req.once('y', f);
    req.prependOnceListener('y2', f);
    req.off('y', f);
    req.removeListener('y2', f);
    req.addListener('z', f);
    record.counts = [added, req.listenerCount('x'), req.listenerCount('y'), req.listenerCount('y2')];
    record.same = req.listeners('z')[0] === f;
    res.once('finish', () => {
      record.inOnce = trace.getActiveSpan()?.spanContext().spanId;
    });
  }
  if (path === '/hang') return; // the client aborts
  req.on('end', () => {
    record.inListener = trace.getActiveSpan()?.spanContext().spanId;
    const status = path === '/503' ? 503 : path === '/404' ? 404 : path === '/500' ? 500 : 200;
    res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
  });
  req.resume();
}

/** A server whose `emit` is `wrapped`; a throwing handler is answered 500 outside the wrapper (a framework would). */
function serverWith(wrapped: Emit): HttpServer {
  const server = createServer(handler);
  server.emit = function emit(this: unknown, event: string | symbol, ...args: unknown[]) {
    try {
      return wrapped.call(this, event, ...args);
    } catch (err) {
      if (err !== thrown) throw err;
      const res = args[1] as import('node:http').ServerResponse;
      res.statusCode = 500;
      res.end();
      return true;
    }
  } as typeof server.emit;
  return server;
}

interface Sent {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  abort?: boolean;
  body?: string;
}
const sent: Sent[] = [
  { path: '/users/1', headers: { 'user-agent': 'parity-test/1.0' } },
  { path: '/' },
  { path: '/a/b?sig=secret&x=1&X-Amz-Signature=s2', headers: { 'user-agent': 'ua' } },
  {
    path: '/traced',
    headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'k=v' },
  },
  { method: 'POST', path: '/a/../b/./c', body: 'x=1' },
  { path: '/%7Efoo/%20bar' },
  { path: '/a"b<c>{d}`e|' },
  { path: '/a\\b' },
  { path: '/a%zz' },
  { path: "/ok-_~!$&'()*+,;=:@.x/.hidden" },
  { path: '//double/slash' },
  { path: '/q?' },
  { path: '/frag#x' },
  { method: 'PROPFIND', path: '/dav' },
  { method: 'DELETE', path: '/items/3' },
  { path: '/fwd', headers: { forwarded: 'for=192.0.2.60;proto=https;host=example.com:8443' } },
  { path: '/fwd2', headers: { forwarded: 'for="[2001:db8:cafe::17]:4711";host=example.com' } },
  {
    path: '/xfwd',
    headers: {
      'x-forwarded-host': 'api.example.com',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '203.0.113.9, 10.0.0.1',
    },
  },
  { path: '/xfwd2', headers: { 'x-forwarded-host': 'api.example.com:9000' } },
  { path: '/v6', headers: { host: '[::1]:8080' } },
  { path: '/v6b', headers: { host: '[::1]' } },
  { path: '/nohostport', headers: { host: 'example.com' } },
  { path: '/route/7' },
  { path: '/listeners' },
  { path: '/404' },
  { path: '/500' },
  { path: '/503' },
  { path: '/throw' },
  { path: '/hang', abort: true },
];

function send(port: number, agent: Agent, s: Sent): Promise<void> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: s.method ?? 'GET',
        path: s.path,
        headers: { host: 'svc.local:8080', ...s.headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', () => resolve()); // the aborted one
    if (s.abort) setTimeout(() => req.destroy(), 100);
    req.end(s.body);
  });
}

async function until(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

function shape(s: ReadableSpan) {
  const attributes: Record<string, unknown> = { ...s.attributes };
  attributes['network.peer.port'] = typeof attributes['network.peer.port'];
  return {
    name: s.name,
    kind: s.kind,
    status: s.status,
    attributes,
    attributeOrder: Object.keys(s.attributes),
    parent: s.parentSpanContext?.spanId,
    trace: s.parentSpanContext ? s.spanContext().traceId : 'new',
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
  };
}

describe('lean HTTP server instrumentation: the spans instrumentation-http makes, attribute by attribute', () => {
  const otel = collector();
  const lean = collector();
  let otelServer: HttpServer;
  let leanServer: HttpServer;
  const manager = new AsyncLocalStorageContextManager();

  beforeAll(async () => {
    context.setGlobalContextManager(manager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const httpInstr = new HttpInstrumentation({ enabled: false });
    httpInstr.setTracerProvider(otel.provider);
    const original = Server.prototype.emit as Emit;
    // instrumentation-http's own server-side wrapper (what it installs on http.Server.prototype.emit).
    const otelEmit = (
      httpInstr as unknown as { _incomingRequestFunction(c: string, o: Emit): Emit }
    )._incomingRequestFunction('http', original);
    const leanInstr = new LeanHttpServerInstrumentation();
    leanInstr.setTracerProvider(lean.provider);
    otelServer = serverWith(otelEmit);
    leanServer = serverWith(leanInstr.wrapEmit(original, 'http'));
    await Promise.all([otelServer, leanServer].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });
  afterAll(async () => {
    await Promise.all([otelServer, leanServer].map((s) => new Promise((r) => s.close(r))));
    context.disable();
    propagation.disable();
  });

  it('matches on every request shape: plain, query redaction, forwarded headers, methods, IPv6 hosts, routes, 4xx/5xx, a throwing handler, an aborted request', async () => {
    for (const [server, c] of [
      [otelServer, otel],
      [leanServer, lean],
    ] as const) {
      const agent = new Agent({ keepAlive: false });
      const port = (server.address() as AddressInfo).port;
      for (const s of sent) {
        const before = c.ended.length;
        await send(port, agent, s);
        await until(() => c.ended.length > before);
      }
      agent.destroy();
    }
    expect(otel.ended).toHaveLength(sent.length);
    expect(lean.ended).toHaveLength(sent.length);
    for (const [i, s] of sent.entries()) {
      expect(shape(lean.ended[i]!), `${s.method ?? 'GET'} ${s.path}`).toEqual(shape(otel.ended[i]!));
    }
    // Spot checks that the comparison compares something.
    const byPath = (p: string) => lean.ended[sent.findIndex((s) => s.path === p)]!;
    expect(byPath('/a/b?sig=secret&x=1&X-Amz-Signature=s2').attributes['url.query']).toBe(
      'sig=REDACTED&x=1&X-Amz-Signature=REDACTED',
    );
    expect(byPath('/route/7').name).toBe('GET /route/:id');
    expect(byPath('/route/7').attributes['http.route']).toBe('/route/:id');
    expect(byPath('/503').status.code).toBe(2);
    expect(byPath('/404').status.code).toBe(0);
    expect(byPath('/throw').attributes['error.type']).toBe('TypeError');
    expect(byPath('/traced').parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(byPath('/dav').attributes['http.request.method']).toBe('_OTHER');
  });

  it('runs the handler and the listeners it adds inside the server span', () => {
    const leanSeen = seen.slice(sent.length);
    const answered = sent.map((s, i) => ({ s, i })).filter(({ s }) => !['/throw', '/hang'].includes(s.path));
    for (const { s, i } of answered) {
      const id = lean.ended[i]!.spanContext().spanId;
      expect(leanSeen[i]!.inHandler, s.path).toBe(id);
      expect(leanSeen[i]!.inListener, s.path).toBe(id);
    }
    const l = sent.findIndex((s) => s.path === '/listeners');
    expect(leanSeen[l]!.counts).toEqual([1, 0, 0, 0]);
    expect(leanSeen[l]!.same).toBe(true);
    expect(leanSeen[l]!.inOnce).toBe(lean.ended[l]!.spanContext().spanId);
  });
});
