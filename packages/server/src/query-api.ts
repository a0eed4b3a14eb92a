import type { Context, Hono } from 'hono';
import type { AttributeFilter } from './core-types.js';
import { isBackendUnavailable } from './guards.js';
import { jsonText } from './json.js';
import { ParamError, Params, parseAttr, parseSeverity } from './params.js';
import type { ServerStorage } from './types.js';

/*
 * The query HTTP API (docs/http-api.md; response schemas in schemas/query-api/). Every parameter is checked here before
 * the core sees it; the core then checks the query against the backend's capabilities and throws QueryError(field),
 * which is mapped back to the parameter name.
 */

const AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'count', 'last', 'p50', 'p90', 'p95', 'p99'] as const;

/** Core query fields -> the HTTP parameter that set them. */
const FIELD_TO_PARAM: Record<string, string> = {
  minDurationNano: 'minDuration',
  maxDurationNano: 'maxDuration',
  duration: 'minDuration',
  stepNano: 'step',
  severity: 'minSeverity',
  time: 'start',
  attributes: 'attr',
};

function paramOf(field: string | undefined): string | undefined {
  if (!field) return undefined;
  const head = field.split(/[.[]/)[0]!;
  return FIELD_TO_PARAM[head] ?? head;
}

export function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export function jsonResponse(c: Context, body: unknown, status = 200): Response {
  return c.body(jsonText(body), status as 200, { 'content-type': 'application/json; charset=utf-8' });
}

export function apiError(c: Context, status: number, message: string, parameter?: string): Response {
  return jsonResponse(c, { error: parameter ? { status, message, parameter } : { status, message } }, status);
}

/** Maps a thrown error to the API's error body: ParamError/QueryError -> 400, backend unreachable -> 503, else 500. */
export function errorResponse(c: Context, error: unknown): Response {
  if (error instanceof ParamError) return apiError(c, 400, error.message, error.parameter);
  const e = error as { name?: string; message?: string; field?: string };
  if (e && e.name === 'QueryError') return apiError(c, 400, e.message ?? 'bad query', paramOf(e.field));
  if (isBackendUnavailable(error)) {
    const res = apiError(
      c,
      503,
      `[rohas-telemetry] [server] the backend is unavailable: ${e?.message ?? String(error)}`,
    );
    res.headers.set('retry-after', '5');
    return res;
  }
  return apiError(c, 500, `[rohas-telemetry] [server] query failed: ${e?.message ?? String(error)}`);
}

function attrs(p: Params): AttributeFilter[] | undefined {
  const list = p.all('attr').filter((a) => a !== '');
  return list.length > 0 ? list.map((a) => parseAttr(a)) : undefined;
}

export function registerQueryApi(app: Hono, storage: ServerStorage): void {
  const q = storage.query;

  app.get('/healthz', async (c) => {
    try {
      new Params(c.req.url, []);
      const h = await storage.health();
      const body: Record<string, unknown> = {
        ok: h.ok,
        backend: storage.config.type,
        message: h.message,
        signals: h.signals,
      };
      if (h.details) body.details = h.details;
      return jsonResponse(c, body, h.ok ? 200 : 503);
    } catch (error) {
      if (error instanceof ParamError) return errorResponse(c, error);
      return jsonResponse(
        c,
        { ok: false, backend: storage.config.type, message: (error as Error).message, signals: {} },
        503,
      );
    }
  });

  app.get('/telemetry/stats', (c) => run(c, [], async () => ({ stats: storage.stats() })));

  app.get('/telemetry/services', (c) => run(c, [], async () => ({ services: await q.listServices() })));

  app.get('/telemetry/services/:service/operations', (c) =>
    run(c, [], async () => ({ operations: await q.listOperations(c.req.param('service')) })),
  );

  const traceParams = [
    'service',
    'name',
    'attr',
    'minDuration',
    'maxDuration',
    'status',
    'start',
    'end',
    'limit',
    'cursor',
  ];
  app.get('/telemetry/traces', (c) =>
    run(c, traceParams, async (p) => {
      const now = nowNano();
      const page = await q.findTraces({
        service: p.string('service'),
        name: p.string('name'),
        attributes: attrs(p),
        minDurationNano: p.duration('minDuration'),
        maxDurationNano: p.duration('maxDuration'),
        status: p.oneOf('status', ['ok', 'error', 'unset'] as const),
        start: p.time('start', now),
        end: p.time('end', now),
        limit: p.int('limit', 1, 1000),
        cursor: p.string('cursor'),
      });
      return page.nextCursor ? { traces: page.items, nextCursor: page.nextCursor } : { traces: page.items };
    }),
  );

  app.get('/telemetry/traces/:traceId', async (c) => {
    try {
      new Params(c.req.url, []);
      const traceId = c.req.param('traceId');
      if (!/^[0-9a-fA-F]{32}$/.test(traceId)) return apiError(c, 400, 'traceId must be 32 hex characters', 'traceId');
      const spans = await q.getTrace(traceId.toLowerCase());
      if (!spans) return apiError(c, 404, `trace ${traceId.toLowerCase()} not found`);
      return jsonResponse(c, { traceId: traceId.toLowerCase(), spans });
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  const metricParams = ['name', 'start', 'end', 'step', 'aggregation', 'groupBy', 'attr', 'service'];
  app.get('/telemetry/metrics', (c) =>
    run(c, metricParams, async (p) => {
      const name = p.string('name');
      if (name === undefined) {
        const extra = p.names().filter((n) => n !== 'name');
        if (extra.length > 0)
          throw new ParamError(
            'name',
            `name is required with ${extra.join(', ')}; without parameters the metric list is returned`,
          );
        return { metrics: await q.listMetrics() };
      }
      const now = nowNano();
      const end = p.time('end', now) ?? now;
      const start = p.time('start', now) ?? end - 3_600_000_000_000n;
      const groupByText = p.all('groupBy')[0];
      const groupBy =
        groupByText === undefined
          ? undefined
          : groupByText
              .split(',')
              .map((k) => k.trim())
              .filter((k) => k !== '');
      const series = await q.queryMetrics({
        name,
        start,
        end,
        stepNano: p.duration('step'),
        aggregation: p.oneOf('aggregation', AGGREGATIONS),
        groupBy,
        attributes: attrs(p),
        service: p.string('service'),
      });
      return { name, series };
    }),
  );

  // Raw stored points of one metric (readPoints): temporality, buckets, exemplars, resource and scope, paged in time
  // order. Attribute conditions are `attr.<key>=<value>` (typed as `attr` values are), one per key.
  const pointParams = ['name', 'start', 'end', 'limit', 'cursor'];
  app.get('/telemetry/metrics/points', async (c) => {
    try {
      const keys = [...new URL(c.req.url).searchParams.keys()];
      const attrNames = [...new Set(keys.filter((k) => k.startsWith('attr.')))];
      const p = new Params(c.req.url, [...pointParams, ...attrNames]);
      const name = p.string('name');
      if (name === undefined) throw new ParamError('name', 'name is required: the metric whose points to read');
      const attributes = attrNames.map((k) => {
        if (k === 'attr.') throw new ParamError(k, 'attr.<key> needs an attribute key after "attr."');
        return parseAttr(`${k.slice('attr.'.length)}=${p.all(k)[0] ?? ''}`, k);
      });
      const now = nowNano();
      const end = p.time('end', now) ?? now;
      const start = p.time('start', now) ?? end - 3_600_000_000_000n;
      if (start >= end) throw new ParamError('start', 'start must be before end');
      if (!q.readPoints) throw new ParamError('name', 'this storage cannot read back raw metric points');
      const page = await q.readPoints({
        names: [name],
        start,
        end,
        attributes: attributes.length > 0 ? attributes : undefined,
        limit: p.int('limit', 1, 10_000),
        cursor: p.string('cursor'),
      });
      return jsonResponse(
        c,
        page.nextCursor ? { points: page.items, nextCursor: page.nextCursor } : { points: page.items },
      );
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  const logParams = [
    'start',
    'end',
    'minSeverity',
    'text',
    'ignoreCase',
    'traceId',
    'spanId',
    'service',
    'attr',
    'limit',
    'cursor',
    'order',
  ];
  app.get('/telemetry/logs', (c) =>
    run(c, logParams, async (p) => {
      const now = nowNano();
      const severity = p.string('minSeverity');
      const page = await q.queryLogs({
        start: p.time('start', now),
        end: p.time('end', now),
        minSeverity: severity === undefined ? undefined : parseSeverity(severity, 'minSeverity'),
        text: p.string('text'),
        ignoreCase: p.oneOf('ignoreCase', ['true', 'false'] as const) === 'true',
        traceId: p.hex('traceId', 32),
        spanId: p.hex('spanId', 16),
        service: p.string('service'),
        attributes: attrs(p),
        limit: p.int('limit', 1, 1000),
        cursor: p.string('cursor'),
        order: p.oneOf('order', ['asc', 'desc'] as const),
      });
      return page.nextCursor ? { logs: page.items, nextCursor: page.nextCursor } : { logs: page.items };
    }),
  );

  app.all('/telemetry/*', (c) =>
    apiError(c, c.req.method === 'GET' ? 404 : 405, `no ${c.req.method} route ${new URL(c.req.url).pathname}`),
  );
}

async function run(c: Context, allowed: string[], handler: (p: Params) => Promise<unknown>): Promise<Response> {
  try {
    const p = new Params(c.req.url, allowed, ['attr']);
    return jsonResponse(c, await handler(p));
  } catch (error) {
    return errorResponse(c, error);
  }
}
