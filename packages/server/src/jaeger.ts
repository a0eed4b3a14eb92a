import { serviceNameOf } from '@rohas/telemetry/adapter';
import type { Context, Hono } from 'hono';
import type { AttributeFilter, AttributeValue, SpanRecord } from './core-types.js';
import { isBackendUnavailable } from './guards.js';
import { ParamError, Params, parseDuration, parseScalar } from './params.js';
import type { ServerStorage } from './types.js';

/*
 * Jaeger-compatible read API (the Jaeger query service's /api routes, as Grafana's Jaeger data source and the Jaeger UI
 * call them), answered from the core's query API so it works for every adapter. Shapes follow Jaeger's UI model:
 * {data, total, limit, offset, errors}; times in microseconds.
 */

interface JaegerTag {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  value: string | number | boolean;
}

function envelope(data: unknown, errors: Array<{ code: number; msg: string }> | null = null) {
  const total = Array.isArray(data) ? data.length : 0;
  return { data, total, limit: 0, offset: 0, errors };
}

function jaegerError(c: Context, status: number, msg: string): Response {
  return c.json(envelope(null, [{ code: status, msg }]), status as 400);
}

function tag(key: string, value: AttributeValue): JaegerTag {
  if (typeof value === 'string') return { key, type: 'string', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'bigint') return { key, type: 'int64', value: value.toString() };
  if (typeof value === 'number')
    return Number.isInteger(value)
      ? { key, type: 'int64', value }
      : { key, type: 'float64', value: Number.isFinite(value) ? value : String(value) };
  if (value instanceof Uint8Array) return { key, type: 'binary', value: Buffer.from(value).toString('base64') };
  return { key, type: 'string', value: JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) };
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const micros = (ns: bigint) => Number(ns / 1000n);

/** All spans of one trace in the Jaeger UI JSON shape. */
export function jaegerTrace(spans: SpanRecord[]) {
  const processes: Record<string, { serviceName: string; tags: JaegerTag[] }> = {};
  const processIds = new Map<string, string>();
  const out = spans.map((s) => {
    const resourceKey = JSON.stringify(s.resource.attributes, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    let processID = processIds.get(resourceKey);
    if (!processID) {
      processID = `p${processIds.size + 1}`;
      processIds.set(resourceKey, processID);
      processes[processID] = {
        serviceName: serviceNameOf(s.resource),
        tags: Object.entries(s.resource.attributes)
          .filter(([k]) => k !== 'service.name')
          .map(([k, v]) => tag(k, v)),
      };
    }
    const tags = Object.entries(s.attributes).map(([k, v]) => tag(k, v));
    if (s.kind !== 0) tags.push({ key: 'span.kind', type: 'string', value: KINDS[s.kind] ?? 'unspecified' });
    if (s.status.code === 2) tags.push({ key: 'error', type: 'bool', value: true });
    if (s.status.code !== 0)
      tags.push({ key: 'otel.status_code', type: 'string', value: s.status.code === 2 ? 'ERROR' : 'OK' });
    if (s.status.message) tags.push({ key: 'otel.status_description', type: 'string', value: s.status.message });
    if (s.scope.name) tags.push({ key: 'otel.scope.name', type: 'string', value: s.scope.name });
    if (s.scope.version) tags.push({ key: 'otel.scope.version', type: 'string', value: s.scope.version });
    if (s.traceState) tags.push({ key: 'w3c.tracestate', type: 'string', value: s.traceState });
    const references = [
      ...(s.parentSpanId ? [{ refType: 'CHILD_OF', traceID: s.traceId, spanID: s.parentSpanId }] : []),
      ...s.links.map((l) => ({ refType: 'FOLLOWS_FROM', traceID: l.traceId, spanID: l.spanId })),
    ];
    return {
      traceID: s.traceId,
      spanID: s.spanId,
      operationName: s.name,
      references,
      startTime: micros(s.startTimeUnixNano),
      duration: micros(s.endTimeUnixNano - s.startTimeUnixNano),
      tags,
      logs: s.events.map((e) => ({
        timestamp: micros(e.timeUnixNano),
        fields: [
          { key: 'event', type: 'string', value: e.name },
          ...Object.entries(e.attributes).map(([k, v]) => tag(k, v)),
        ],
      })),
      processID,
      warnings: null,
      flags: s.flags ?? 0,
    };
  });
  return { traceID: spans[0]?.traceId ?? '', spans: out, processes, warnings: null };
}

/** Jaeger's `tags` parameter: a JSON object, or (older form) `key:value` pairs; `error=true` means status error. */
function parseTags(values: string[]): { filters: AttributeFilter[]; error: boolean } {
  const filters: AttributeFilter[] = [];
  let error = false;
  const add = (key: string, raw: string) => {
    if (key === 'error' && (raw === 'true' || raw === 'false')) {
      if (raw === 'true') error = true;
      return;
    }
    filters.push({ key, op: '=', value: parseScalar(raw) });
  };
  for (const text of values) {
    if (text === '') continue;
    if (text.trim().startsWith('{')) {
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch {
        throw new ParamError('tags', 'tags must be a JSON object of key/value pairs');
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
        throw new ParamError('tags', 'tags must be a JSON object of key/value pairs');
      for (const [k, v] of Object.entries(obj)) add(k, typeof v === 'string' ? v : JSON.stringify(v));
    } else {
      const colon = text.indexOf(':');
      if (colon <= 0) throw new ParamError('tags', 'tags must be a JSON object or key:value');
      add(text.slice(0, colon), text.slice(colon + 1));
    }
  }
  return { filters, error };
}

function microsParam(p: Params, name: string): bigint | undefined {
  // Jaeger's start/end are microseconds; endTs of /api/dependencies is milliseconds but only checked as an integer.
  const v = p.string(name);
  if (v === undefined) return undefined;
  if (!/^\d{1,17}$/.test(v)) throw new ParamError(name, `${name} must be microseconds since the epoch`);
  return BigInt(v) * 1000n;
}

export function registerJaegerApi(app: Hono, storage: ServerStorage): void {
  const q = storage.query;
  const wrap = (handler: (c: Context) => Promise<Response>) => async (c: Context) => {
    try {
      return await handler(c);
    } catch (error) {
      if (error instanceof ParamError) return jaegerError(c, 400, `${error.parameter}: ${error.message}`);
      const e = error as { name?: string; message?: string };
      return jaegerError(
        c,
        e.name === 'QueryError' ? 400 : isBackendUnavailable(error) ? 503 : 500,
        e.message ?? String(error),
      );
    }
  };

  app.get(
    '/api/services',
    wrap(async (c) => {
      new Params(c.req.url, []);
      return c.json(envelope(await q.listServices()));
    }),
  );

  app.get(
    '/api/services/:service/operations',
    wrap(async (c) => {
      new Params(c.req.url, []);
      return c.json(envelope(await q.listOperations(c.req.param('service') ?? '')));
    }),
  );

  // Jaeger's newer form: /api/operations?service=&spanKind= -> [{name, spanKind}] (span kind is not indexed here).
  app.get(
    '/api/operations',
    wrap(async (c) => {
      const p = new Params(c.req.url, ['service', 'spanKind']);
      const service = p.string('service');
      if (!service) throw new ParamError('service', 'service is required');
      const names = await q.listOperations(service);
      return c.json(envelope(names.map((name) => ({ name, spanKind: '' }))));
    }),
  );

  app.get(
    '/api/traces',
    wrap(async (c) => {
      const p = new Params(
        c.req.url,
        [
          'service',
          'operation',
          'tags',
          'minDuration',
          'maxDuration',
          'start',
          'end',
          'limit',
          'lookback',
          'traceID',
          'spanKind',
        ],
        ['tags', 'traceID'],
      );
      const ids = p.all('traceID').filter((id) => id !== '');
      if (ids.length > 0) {
        const traces = [];
        for (const id of ids) {
          if (!/^[0-9a-fA-F]{1,32}$/.test(id)) throw new ParamError('traceID', 'traceID must be hex');
          const spans = await q.getTrace(id.toLowerCase().padStart(32, '0'));
          if (spans) traces.push(jaegerTrace(spans));
        }
        return c.json(envelope(traces));
      }
      const service = p.string('service');
      if (!service) throw new ParamError('service', 'service is required (as in Jaeger)');
      const tags = parseTags(p.all('tags'));
      const limit = p.int('limit', 1, 1000) ?? 20;
      let start = microsParam(p, 'start');
      const end = microsParam(p, 'end');
      const lookback = p.string('lookback');
      if (start === undefined && lookback !== undefined && lookback !== 'custom') {
        start = (end ?? BigInt(Date.now()) * 1_000_000n) - parseDuration(lookback, 'lookback');
      }
      const page = await q.findTraces({
        service,
        name: p.string('operation'),
        attributes: tags.filters.length > 0 ? tags.filters : undefined,
        status: tags.error ? 'error' : undefined,
        minDurationNano: p.duration('minDuration'),
        maxDurationNano: p.duration('maxDuration'),
        start,
        end,
        limit,
      });
      const traces = [];
      for (const summary of page.items) {
        const spans = await q.getTrace(summary.traceId);
        if (spans) traces.push(jaegerTrace(spans));
      }
      return c.json(envelope(traces));
    }),
  );

  // Grafana's "dependency graph" query. Service-to-service edges are not derived from stored spans yet: an empty graph.
  app.get(
    '/api/dependencies',
    wrap(async (c) => {
      const p = new Params(c.req.url, ['endTs', 'lookback']);
      microsParam(p, 'endTs');
      const lookback = p.string('lookback');
      if (lookback !== undefined && !/^\d{1,17}$/.test(lookback))
        throw new ParamError('lookback', 'lookback must be milliseconds');
      return c.json(envelope([]));
    }),
  );

  app.get(
    '/api/traces/:traceId',
    wrap(async (c) => {
      new Params(c.req.url, ['start', 'end', 'raw']);
      const id = c.req.param('traceId') ?? '';
      if (!/^[0-9a-fA-F]{1,32}$/.test(id)) return jaegerError(c, 400, 'trace id must be hex');
      const spans = await q.getTrace(id.toLowerCase().padStart(32, '0'));
      if (!spans) return jaegerError(c, 404, 'trace not found');
      return c.json(envelope([jaegerTrace(spans)]));
    }),
  );
}
