import type { Context, Hono } from 'hono';
import type { TelemetryQuery } from '../core-types.js';
import { readTraces } from './bulk-read.js';
import { dependencies, operationsWithKind } from './dependencies.js';
import {
  envelope,
  type JaegerError,
  JaegerParams,
  jaegerError,
  jaegerHandler,
  paramError,
  writeJson,
} from './response.js';
import { parseSearch, searchTraces } from './search.js';
import { jaegerTrace } from './ui-model.js';

/*
 * The Jaeger query service's HTTP API v1 (`/api/*`), as jaegertracing/jaeger `cmd/query/app/http_handler.go` (and its
 * v2 copy `cmd/jaeger/internal/extension/jaegerquery/internal/http_handler.go`) serves it to the Jaeger UI
 * (jaeger-ui `packages/jaeger-ui/src/api/jaeger.ts`) and Grafana's Jaeger data source
 * (grafana `public/app/plugins/datasource/jaeger`): same routes, parameters, envelope, status codes and messages.
 * Archive and the Monitor tab's `/api/metrics/*` answer as a Jaeger with no archive storage and no metrics storage.
 */

const DEFAULT_DEPENDENCY_LOOKBACK_MS = 24n * 3_600_000n;
const METRICS_DISABLED = 'metrics querying is currently disabled';
/** The OTLP span kind names Jaeger's metrics API takes (`proto-gen/api_v2/metrics` SpanKind). */
const METRIC_SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** Jaeger's model.TraceIDFromString: 1 to 32 hex digits; stored ids are 32 lowercase digits. */
export function traceIdParam(text: string, name = 'traceID'): string {
  if (text.length > 32) throw paramError(name, `TraceID cannot be longer than 32 hex characters: ${text}`);
  if (!/^[0-9a-fA-F]+$/.test(text)) throw paramError(name, `${JSON.stringify(text)} is not a hex trace id`);
  return text.toLowerCase().padStart(32, '0');
}

/** Jaeger's model.TraceID.String(): 16 digits when the high half is zero, else 32. */
export const jaegerTraceIdString = (id: string) => (id.startsWith('0000000000000000') ? id.slice(16) : id);

export function registerJaegerV1(app: Hono, q: TelemetryQuery): void {
  const get = (path: string, handler: (c: Context) => Promise<Response>) => app.get(path, jaegerHandler(handler));

  get('/api/services', async (c) => {
    const services = await q.listServices();
    return writeJson(c, envelope(services, { total: services.length }));
  });

  get('/api/services/:service/operations', async (c) => {
    const names = await q.listOperations(c.req.param('service') ?? '');
    return writeJson(c, envelope(names, { total: names.length }));
  });

  get('/api/operations', async (c) => {
    const p = new JaegerParams(c.req.url);
    const service = p.string('service');
    if (!service) return jaegerError(c, 400, "parameter 'service' is required");
    const ops = await operationsWithKind(q, service, p.string('spanKind'));
    return writeJson(c, envelope(ops, { total: ops.length }));
  });

  get('/api/traces', async (c) => {
    const p = new JaegerParams(c.req.url);
    const ids = p.all('traceID').filter((id) => id !== '');
    if (ids.length > 0) {
      const normalized = ids.map((id) => traceIdParam(id));
      const traces = [];
      const errors: JaegerError[] = [];
      for (const { id, spans } of await readTraces(q, normalized)) {
        if (spans) traces.push(jaegerTrace(spans));
        else errors.push({ msg: 'trace not found', traceID: jaegerTraceIdString(id) });
      }
      return writeJson(c, envelope(traces, { errors: errors.length > 0 ? errors : null }));
    }
    const search = parseSearch(p, nowNs());
    const found = await searchTraces(q, search);
    return writeJson(c, envelope(found.map(jaegerTrace)));
  });

  get('/api/traces/:traceId', async (c) => {
    const p = new JaegerParams(c.req.url);
    const id = traceIdParam(c.req.param('traceId') ?? '');
    p.integer('start');
    p.integer('end');
    const spans = await q.getTrace(id);
    if (!spans) return jaegerError(c, 404, 'trace not found');
    return writeJson(c, envelope([jaegerTrace(spans)]));
  });

  // No archive storage: Jaeger's QueryService.ArchiveTrace answers errNoArchiveSpanStorage, a 500, after the id parses.
  app.post(
    '/api/archive/:traceId',
    jaegerHandler(async (c) => {
      traceIdParam(c.req.param('traceId') ?? '');
      return jaegerError(c, 500, 'archive span storage was not configured');
    }),
  );

  get('/api/dependencies', async (c) => {
    const p = new JaegerParams(c.req.url);
    const endMs = p.integer('endTs') ?? BigInt(Date.now());
    const lookbackMs = p.integer('lookback') ?? DEFAULT_DEPENDENCY_LOOKBACK_MS;
    const end = endMs * 1_000_000n;
    const links = await dependencies(q, end - lookbackMs * 1_000_000n, end + 1n, p.string('service'));
    return writeJson(c, envelope(links));
  });

  // The Monitor tab (SPM) with no metrics storage: parameters are checked as parseMetricsQueryParams does, then 501.
  const metrics = (path: string, needsQuantile: boolean) =>
    get(path, async (c) => {
      const p = new JaegerParams(c.req.url);
      if (needsQuantile) {
        const quantile = p.string('quantile') ?? '';
        if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(quantile))
          throw paramError('quantile', `${JSON.stringify(quantile)} is not a number`);
      }
      if (!p.search.has('service')) throw paramError('service', 'please provide at least one service name');
      for (const kind of p.all('spanKind'))
        if (!METRIC_SPAN_KINDS.includes(kind)) throw paramError('spanKind', `unsupported span kind: '${kind}'`);
      for (const name of ['endTs', 'lookback', 'step', 'ratePer']) p.integer(name);
      return jaegerError(c, 501, METRICS_DISABLED);
    });
  metrics('/api/metrics/latencies', true);
  metrics('/api/metrics/calls', false);
  metrics('/api/metrics/errors', false);
  get('/api/metrics/minstep', async (c) => jaegerError(c, 501, METRICS_DISABLED));
}
