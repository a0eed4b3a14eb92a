import type { Context, Hono } from 'hono';
import type { SpanRecord, TelemetryQuery } from '../core-types.js';
import { isBackendUnavailable } from '../guards.js';
import { spansToOtlpJson } from '../otlp/encode.js';
import { ParamError, parseDuration, parseTime } from '../params.js';
import { operationsWithKind } from './dependencies.js';
import { JaegerParams, writeJson } from './response.js';
import { MAX_LIMIT, searchTraces } from './search.js';
import { traceIdParam } from './v1.js';

/*
 * The Jaeger API v3 over HTTP (what Jaeger v2 serves and recent Grafana and Jaeger UI versions call), as
 * jaegertracing/jaeger `cmd/jaeger/internal/extension/jaegerquery/internal/apiv3/http_gateway.go` answers:
 * - GET /api/v3/services -> {"services": [...]}
 * - GET /api/v3/operations?service=&span_kind= -> {"operations": [{"name", "spanKind"}]}, an empty kind shown as
 *   "internal" as Jaeger does;
 * - GET /api/v3/traces/{trace_id}[?start_time&end_time] and
 *   GET /api/v3/traces?query.service_name&query.operation_name&query.start_time_min&query.start_time_max (RFC 3339,
 *   both required)&query.duration_min&query.duration_max (Go durations)&query.search_depth (or query.num_traces)
 *   -> {"result": {"resourceSpans": [...]}} in OTLP/JSON (hex ids, int64 as strings), one trace after another;
 * - errors in the grpc-gateway shape {"error": {"httpCode", "message"}}: 400 "malformed parameter <name>: ...",
 *   404 "No traces found" when nothing matches. Parameters it does not use are ignored, as in Go.
 */

const DEFAULT_SEARCH_DEPTH = 100;

function gatewayError(c: Context, status: number, message: string): Response {
  return writeJson(c, { error: { httpCode: status, message } }, status);
}

const malformed = (name: string, why: string) => new ParamError(name, `malformed parameter ${name}: ${why}`);

function rfc3339(p: JaegerParams, name: string): bigint | undefined {
  const v = p.string(name);
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v)) throw malformed(name, `${JSON.stringify(v)} is not an RFC 3339 time`);
  try {
    return parseTime(v, name, 0n);
  } catch {
    throw malformed(name, `${JSON.stringify(v)} is not an RFC 3339 time`);
  }
}

function goDuration(p: JaegerParams, name: string): bigint | undefined {
  const v = p.string(name);
  if (v === undefined) return undefined;
  try {
    return parseDuration(v, name);
  } catch {
    throw malformed(name, `${JSON.stringify(v)} is not a duration (e.g. 250ms, 1.5s, 1h)`);
  }
}

function tracesResult(c: Context, traces: SpanRecord[][]): Response {
  if (traces.length === 0) return gatewayError(c, 404, 'No traces found');
  const resourceSpans = traces.flatMap(
    (spans) => (spansToOtlpJson(spans) as { resourceSpans: unknown[] }).resourceSpans,
  );
  return writeJson(c, { result: { resourceSpans } });
}

export function registerJaegerV3(app: Hono, q: TelemetryQuery): void {
  const get = (path: string, handler: (c: Context) => Promise<Response>) =>
    app.get(path, async (c) => {
      try {
        return await handler(c);
      } catch (error) {
        if (error instanceof ParamError) return gatewayError(c, 400, error.message);
        const e = error as { name?: string; message?: string };
        return gatewayError(
          c,
          e.name === 'QueryError' ? 400 : isBackendUnavailable(error) ? 503 : 500,
          e.message ?? String(error),
        );
      }
    });

  get('/api/v3/services', async (c) => writeJson(c, { services: await q.listServices() }));

  get('/api/v3/operations', async (c) => {
    const p = new JaegerParams(c.req.url);
    const service = p.string('service') ?? '';
    const ops = service ? await operationsWithKind(q, service, p.string('span_kind')) : [];
    return writeJson(c, { operations: ops.map((o) => ({ name: o.name, spanKind: o.spanKind || 'internal' })) });
  });

  get('/api/v3/traces/:traceId', async (c) => {
    const p = new JaegerParams(c.req.url);
    let id: string;
    try {
      id = traceIdParam(c.req.param('traceId') ?? '', 'trace_id');
    } catch (error) {
      throw malformed('trace_id', (error as Error).message.replace(/^unable to parse param 'trace_id': /, ''));
    }
    const start = rfc3339(p, 'start_time');
    const end = rfc3339(p, 'end_time');
    const spans = await q.getTrace(id);
    const inWindow = spans?.filter(
      (s) => (start === undefined || s.startTimeUnixNano >= start) && (end === undefined || s.startTimeUnixNano <= end),
    );
    return tracesResult(c, inWindow && inWindow.length > 0 ? [inWindow] : []);
  });

  get('/api/v3/traces', async (c) => {
    const p = new JaegerParams(c.req.url);
    if (!p.string('query.start_time_min') || !p.string('query.start_time_max'))
      throw new ParamError('query.start_time_min', 'query.start_time_min and query.start_time_max are required');
    const start = rfc3339(p, 'query.start_time_min')!;
    const end = rfc3339(p, 'query.start_time_max')!;
    const depthName = p.string('query.search_depth') !== undefined ? 'query.search_depth' : 'query.num_traces';
    const depthText = p.string(depthName);
    let limit = DEFAULT_SEARCH_DEPTH;
    if (depthText !== undefined) {
      if (!/^\d{1,10}$/.test(depthText) || Number(depthText) < 1 || Number(depthText) > MAX_LIMIT)
        throw malformed(depthName, `must be an integer from 1 to ${MAX_LIMIT}, got ${JSON.stringify(depthText)}`);
      limit = Number(depthText);
    }
    const minDuration = goDuration(p, 'query.duration_min');
    const maxDuration = goDuration(p, 'query.duration_max');
    const service = p.string('query.service_name');
    if (!service) throw new ParamError('query.service_name', 'query.service_name is required');
    const traces = await searchTraces(q, {
      service,
      operation: p.string('query.operation_name'),
      tags: new Map(),
      start,
      end,
      minDuration: minDuration || undefined,
      maxDuration: maxDuration || undefined,
      limit,
    });
    return tracesResult(c, traces);
  });
}
