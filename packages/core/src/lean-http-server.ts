/**
 * A lean HTTP *server* instrumentation (`rohas-http-server`): one SERVER span per request, made in a wrapper of
 * `http.Server.prototype.emit('request')` / `https.Server.prototype.emit('request')`, as
 * `@opentelemetry/instrumentation-http` makes it (the shape of its `_incomingRequestFunction` and the attribute rules
 * of its `getIncomingRequestAttributes`, `getIncomingRequestAttributesOnResponse` and `parseResponseStatus`, v0.223;
 * cited, not copied), with the stable HTTP semantic-convention attributes it stores:
 *
 * - incoming trace context extracted with the configured global propagator; the handler runs inside the span's
 *   context, with `setRPCMetadata` so the Express / Fastify / Koa instrumentations set `http.route` (the span is then
 *   renamed `METHOD route`, as instrumentation-http does);
 * - the request and response emitters are bound to that context (listeners added in the handler run in it);
 * - `http.response.status_code` and status ERROR for 5xx (and for no status / < 100); a handler that throws or a
 *   response 'error' gives `error.type`, an exception event and status ERROR; an aborted request ends its span on the
 *   response's 'close', as instrumentation-http ends it.
 *
 * What it leaves out, on purpose (the cost it saves): instrumentation-http's own `http.server.request.duration`
 * histogram (the register path derives request metrics from the spans), its request / response hooks, header
 * capture and synthetic-source options. Client spans stay on `@opentelemetry/instrumentation-http` (outgoing only)
 * and `@opentelemetry/instrumentation-undici`. The zero-code path enables it by default; `OTEL_NODE_ENABLED_INSTRUMENTATIONS`
 * without `rohas-http-server` (e.g. `http,undici`) gives instrumentation-http's server spans back (see zero-code.ts).
 */
import { errorMonitor } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import {
  type Attributes,
  type Context,
  context,
  type MeterProvider,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { type RPCMetadata, RPCType, setRPCMetadata } from '@opentelemetry/core';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import forwardedParse from 'forwarded-parse';

/** The name it is selected by (OTEL_NODE_ENABLED_INSTRUMENTATIONS / `instrumentations` in the config). */
export const LEAN_HTTP_SERVER = 'rohas-http-server';
const SCOPE = '@rohas/telemetry/lean-http-server';
const VERSION = '0.1.0';
const require = createRequire(import.meta.url);

/** Query keys whose values are replaced by REDACTED (instrumentation-http's DEFAULT_QUERY_STRINGS_TO_REDACT). */
const REDACTED_QUERY = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);
/**
 * A request target the URL parser returns unchanged as the path: no query, fragment, '%', or byte it encodes (dot
 * segments and a leading '//' are checked apart).
 */
const PLAIN_PATH = /^\/[\w\-~!$&'()*+,;=:@/.]*$/;

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
// biome-ignore lint/suspicious/noExplicitAny: patched methods of Node's prototypes, called through as they are
type Method = (this: any, ...args: any[]) => any;
interface Patched {
  proto: Record<string, Method>;
  key: string;
  original: Method;
  wrapped: Method;
}
type Listener = ((...args: unknown[]) => unknown) & { listener?: unknown };

/** The request's context on its IncomingMessage and ServerResponse (see {@link bindingAdd}). */
const kContext = Symbol('rohas.http.context');

/**
 * A listener-adding method (`on`, `addListener`, `prependListener`) of IncomingMessage / ServerResponse that runs
 * the listeners added to a request's emitters in that request's context, as `context.bind(ctx, emitter)` does for
 * instrumentation-http, but patched once on the prototypes: a request costs one property store instead of eight
 * closures and a listener map per emitter (measured: binding two emitters ~7-20 µs a request). The bound listener
 * carries `.listener` = the app's function, the property Node's own `once` wrapper uses, so `removeListener(fn)`,
 * `listeners()` and `once` work unpatched (a `once` wrapper passed through here is bound as the function it wraps).
 */
function bindingAdd(original: Method): Method {
  return function add(this: { [kContext]?: Context }, event: unknown, listener: unknown, ...rest: unknown[]) {
    const ctx = this[kContext];
    if (ctx === undefined || typeof listener !== 'function') return original.call(this, event, listener, ...rest);
    const fn = listener as Listener;
    const bound: Listener = function (this: unknown, ...args: unknown[]) {
      return context.with(ctx, fn, this, ...args);
    };
    bound.listener = fn.listener ?? fn;
    return original.call(this, event, bound, ...rest);
  };
}

function normalizeMethod(method: string | undefined): string {
  if (method == null) return 'GET';
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

function redactQuery(search: string): string {
  const params = new URLSearchParams(search);
  for (const p of REDACTED_QUERY) if (params.has(p)) params.set(p, 'REDACTED');
  return params.toString();
}

/** `host[:port]` from a Host / Forwarded host value, with the scheme's default port (semconv 1.27 rules). */
function parseHost(value: string, proto?: string): { host: string; port?: string } {
  const parts = value.split(':');
  const defaultPort = proto === 'http' ? '80' : proto === 'https' ? '443' : undefined;
  if (parts.length === 1) return defaultPort ? { host: parts[0]!, port: defaultPort } : { host: parts[0]! };
  if (parts.length === 2) return { host: parts[0]!, port: parts[1] };
  if (parts[0]!.startsWith('[')) {
    if (parts.at(-1)!.endsWith(']')) {
      if (defaultPort) return { host: value, port: defaultPort };
    } else if (parts.at(-2)!.endsWith(']')) {
      return { host: parts.slice(0, -1).join(':'), port: parts.at(-1) };
    }
  }
  return { host: value };
}

/** RFC 7239 `Forwarded` elements (for=, host=, proto=), by the parser instrumentation-http uses; a malformed header gives none. */
function parseForwarded(header: string): Array<Record<string, string>> {
  try {
    return forwardedParse(header);
  } catch {
    return [];
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

function serverAddress(req: IncomingMessage, scheme: string): { host: string; port?: string } | undefined {
  const h = req.headers;
  if (h.forwarded) {
    for (const e of parseForwarded(h.forwarded)) if (e.host) return parseHost(e.host, e.proto);
  }
  const xfh = h['x-forwarded-host'] as string | string[] | undefined;
  const xHost = typeof xfh === 'string' ? xfh : Array.isArray(xfh) && xfh[0] ? xfh[0] : undefined;
  if (xHost !== undefined) return parseHost(xHost, first(h['x-forwarded-proto']));
  return typeof h.host === 'string' && h.host.length > 0 ? parseHost(h.host, scheme) : undefined;
}

function withoutPort(input: string): string {
  try {
    const { hostname } = new URL(`http://${input}`);
    return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  } catch {
    return input;
  }
}

function clientAddress(req: IncomingMessage): string | undefined {
  const h = req.headers;
  if (h.forwarded) {
    for (const e of parseForwarded(h.forwarded)) if (e.for) return withoutPort(e.for);
  }
  const xff = first(h['x-forwarded-for']);
  if (typeof xff === 'string') return withoutPort(xff.split(',')[0]!.trim());
  return req.socket.remoteAddress || undefined;
}

/** url.path / url.query as instrumentation-http takes them from `new URL(req.url, scheme://host)`. */
function urlParts(req: IncomingMessage, scheme: string, attrs: Attributes): void {
  const target = req.url ?? '/';
  if (PLAIN_PATH.test(target) && !target.includes('/.') && !target.startsWith('//')) {
    attrs['url.path'] = target;
    return;
  }
  let url: { pathname: string; search: string };
  try {
    url = new URL(target, `${scheme}://${req.headers.host || 'localhost'}`);
  } catch {
    return;
  }
  attrs['url.path'] = url.pathname;
  if (url.search) attrs['url.query'] = redactQuery(url.search.slice(1));
}

/** The span attributes known when the request arrives. */
export function requestAttributes(req: IncomingMessage, scheme: string): Attributes {
  const method = req.method;
  const normalized = normalizeMethod(method);
  const server = serverAddress(req, scheme);
  const socket = req.socket;
  const attrs: Attributes = {
    'http.request.method': normalized,
    'url.scheme': scheme,
  };
  if (server?.host !== undefined) attrs['server.address'] = server.host;
  if (socket.remoteAddress !== undefined) attrs['network.peer.address'] = socket.remoteAddress;
  if (socket.remotePort !== undefined) attrs['network.peer.port'] = socket.remotePort;
  if (req.httpVersion !== undefined) attrs['network.protocol.version'] = req.httpVersion;
  const ua = req.headers['user-agent'];
  if (ua !== undefined) attrs['user_agent.original'] = ua;
  urlParts(req, scheme, attrs);
  const client = clientAddress(req);
  if (client != null) attrs['client.address'] = client;
  if (server?.port != null) attrs['server.port'] = Number(server.port);
  if (method !== normalized && method !== undefined) attrs['http.request.method_original'] = method;
  return attrs;
}

/** Instrumentation-interface wrapper; `registerInstrumentations` gives it the tracer provider and enables it. */
export class LeanHttpServerInstrumentation implements Instrumentation {
  readonly instrumentationName = LEAN_HTTP_SERVER;
  readonly instrumentationVersion = VERSION;
  private config: InstrumentationConfig = { enabled: false };
  private tracer: Tracer = trace.getTracer(SCOPE, VERSION);
  private patched: Patched[] = [];

  setTracerProvider(provider: TracerProvider): void {
    this.tracer = provider.getTracer(SCOPE, VERSION);
  }
  setMeterProvider(_provider: MeterProvider): void {}
  setConfig(config: InstrumentationConfig): void {
    this.config = { ...config };
  }
  getConfig(): InstrumentationConfig {
    return this.config;
  }

  enable(): void {
    if (this.patched.some((p) => p.key === 'emit')) return;
    this.config.enabled = true;
    for (const [mod, scheme] of [
      ['node:http', 'http'],
      ['node:https', 'https'],
    ] as const) {
      // http.Server and https.Server (whose chain reaches tls.Server, not http.Server) each get their own wrapper.
      const proto = (require(mod) as { Server: { prototype: { emit: Emit } } }).Server.prototype;
      const original = proto.emit;
      const wrapped = this.wrapEmit(original, scheme);
      proto.emit = wrapped;
      this.patched.push({ proto: proto as unknown as Patched['proto'], key: 'emit', original, wrapped });
    }
  }

  /** Installs the listener binding on IncomingMessage / ServerResponse (once; {@link disable} removes it). */
  private bindListeners(): void {
    if (this.patched.some((p) => p.key !== 'emit')) return;
    const http = require('node:http') as typeof import('node:http');
    for (const cls of [http.IncomingMessage, http.ServerResponse]) {
      const proto = cls.prototype as unknown as Patched['proto'];
      for (const key of ['on', 'addListener', 'prependListener']) {
        const original = proto[key]!;
        const wrapped = bindingAdd(original);
        proto[key] = wrapped;
        this.patched.push({ proto, key, original, wrapped });
      }
    }
  }

  disable(): void {
    this.config.enabled = false;
    for (const p of this.patched) {
      // Wrapped again on top of ours (another instrumentation): leave its wrapper, which still calls ours.
      if (p.proto[p.key] !== p.wrapped) continue;
      // Own methods we added over inherited ones are deleted, so the prototype chain is as it was.
      if (Object.getPrototypeOf(p.proto)?.[p.key] === p.original) delete p.proto[p.key];
      else p.proto[p.key] = p.original;
    }
    this.patched = [];
  }

  /** `emit` with a SERVER span around every 'request' event (exported for the attribute-parity test). */
  wrapEmit(original: Emit, scheme: 'http' | 'https'): Emit {
    this.bindListeners();
    const self = this;
    return function emit(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'request') return original.apply(this, [event, ...args]);
      return self.onRequest(this, original, args[0] as IncomingMessage, args[1] as ServerResponse, scheme, args);
    };
  }

  private onRequest(
    server: unknown,
    original: Emit,
    req: IncomingMessage,
    res: ServerResponse,
    scheme: string,
    args: unknown[],
  ): boolean {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = this.tracer.startSpan(
      req.method || 'GET',
      { kind: SpanKind.SERVER, attributes: requestAttributes(req, scheme) },
      parent,
    );
    const rpc: RPCMetadata = { type: RPCType.HTTP, span };
    const ctx: Context = setRPCMetadata(trace.setSpan(parent, span), rpc);
    let ended = false;
    let failed = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      if (error) {
        span.setAttribute('error.type', error.name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.recordException(error);
      } else {
        const status = res.statusCode;
        span.setAttribute('http.response.status_code', status);
        const route = rpc.route;
        if (route !== undefined) {
          span.setAttribute('http.route', route);
          span.updateName(`${req.method || 'GET'} ${route}`);
        }
        if (!(status >= 100 && status < 500)) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    // 'close' ends the span after a finished response and after an aborted one alike; after 'error' only 'close'
    // may follow, and the span has ended with the error. Added before the emitters are bound: these two read the
    // span from the closure and need no context, so they skip the bound-listener wrapper.
    res.on('close', () => {
      if (!failed) end();
    });
    res.on(errorMonitor, (err: Error) => {
      failed = true;
      end(err);
    });
    // Listeners added to the request and response from here on run in the span's context, even those the HTTP
    // parser fires ('data', 'end') from the connection's async context.
    (req as { [kContext]?: Context })[kContext] = ctx;
    (res as { [kContext]?: Context })[kContext] = ctx;
    return context.with(ctx, () => {
      try {
        return original.apply(server, ['request', ...args]);
      } catch (err) {
        failed = true;
        end(err as Error);
        throw err;
      }
    });
  }
}
