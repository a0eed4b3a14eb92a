/**
 * Prometheus' HTTP query API (`/api/v1/*`, as documented at prometheus.io/docs/prometheus/latest/querying/api/ and
 * called by Grafana's Prometheus data source) over the stored metrics: the `{status, data}` envelope, `errorType`
 * `bad_data` (400) / `execution` (422) / `internal` (500), GET and POST form parameters, unix-second or RFC 3339
 * times, float-second or duration steps.
 */

import { asError, TelemetryError } from '@rohas/telemetry/adapter';
import type { Context, Hono } from 'hono';
import type { ServerStorage } from '../types.js';
import { parseDurationSeconds, parsePromQL } from './ast.js';
import { DEFAULT_LOOKBACK_MS, Evaluator, MAX_POINTS_PER_SERIES, resultKind } from './engine.js';
import { type Labels, PromQLError, type Value } from './internal-types.js';
import { catalogOf, labelsKey, loadSeries } from './series-source.js';

/** The Prometheus version whose API this answers as (Grafana enables features by it). */
export const PROMETHEUS_API_VERSION = '2.42.0';
const DEFAULT_LIST_WINDOW_MS = 60 * 60_000;

const STATUS: Record<PromQLError['errorType'], number> = {
  bad_data: 400,
  execution: 422,
  canceled: 499,
  timeout: 503,
  unavailable: 503,
  internal: 500,
};

/** A sample value as Prometheus writes it (Go's FormatFloat 'f', -1: no exponent; NaN, +Inf, -Inf). */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const s = String(v);
  if (!s.includes('e')) return s;
  if (Math.abs(v) >= 1) return BigInt(v).toString();
  const [mantissa, exponent] = s.split('e') as [string, string];
  const digits = (mantissa.split('.')[1]?.length ?? 0) - Number(exponent);
  return v.toFixed(Math.min(100, digits));
}

/** A time parameter: unix seconds (float) or RFC 3339, in ms. */
export function parseTime(name: string, text: string): number {
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new PromQLError('bad_data', `invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
  return ms;
}

function parseStep(text: string): number {
  try {
    return Math.round(parseDurationSeconds(text) * 1000);
  } catch {
    throw new PromQLError('bad_data', `invalid parameter "step": cannot parse "${text}" to a valid duration`);
  }
}

/** Query parameters of a GET, or of a POST with a form body (Grafana sends POST by default). */
async function params(c: Context): Promise<URLSearchParams> {
  const out = new URL(c.req.url).searchParams;
  if (c.req.method === 'POST') {
    const type = c.req.header('content-type') ?? '';
    if (type.includes('application/x-www-form-urlencoded'))
      for (const [k, v] of new URLSearchParams(await c.req.text())) out.append(k, v);
    else if (type.includes('multipart/form-data')) {
      const body = await c.req.parseBody({ all: true });
      for (const [k, v] of Object.entries(body))
        for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') out.append(k, x);
    }
  }
  return out;
}

function success(c: Context, data: unknown): Response {
  return c.json({ status: 'success', data });
}

function failure(c: Context, error: unknown): Response {
  let e: PromQLError;
  if (error instanceof PromQLError) e = error;
  else if (error instanceof TelemetryError && error.name === 'QueryError')
    e = new PromQLError('bad_data', error.message);
  else e = new PromQLError('internal', asError(error).message);
  return c.json({ status: 'error', errorType: e.errorType, error: e.message }, STATUS[e.errorType] as 400);
}

function lookback(p: URLSearchParams): number {
  const l = p.get('lookback_delta');
  return l ? parseStep(l) : DEFAULT_LOOKBACK_MS;
}

const seconds = (ms: number) => ms / 1000;

/** The result of an instant query in Prometheus' shape. */
function instantResult(v: Value, t: number) {
  switch (v.kind) {
    case 'scalar':
      return { resultType: 'scalar', result: [seconds(t), formatSampleValue(v.v)] };
    case 'string':
      return { resultType: 'string', result: [seconds(t), v.v] };
    case 'vector':
      return {
        resultType: 'vector',
        result: v.samples.map((s) => ({ metric: s.labels, value: [seconds(t), formatSampleValue(s.v)] })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: v.series.map((s) => ({
          metric: s.labels,
          values: s.t.map((x, i) => [seconds(x), formatSampleValue(s.v[i]!)]),
        })),
      };
  }
}

export async function rangeQuery(
  storage: ServerStorage,
  query: string,
  startMs: number,
  endMs: number,
  stepMs: number,
  lookbackMs = DEFAULT_LOOKBACK_MS,
) {
  if (endMs < startMs) throw new PromQLError('bad_data', 'end timestamp must not be before start time');
  if (!(stepMs > 0))
    throw new PromQLError(
      'bad_data',
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  if ((endMs - startMs) / stepMs > MAX_POINTS_PER_SERIES)
    throw new PromQLError(
      'bad_data',
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
  const expr = parsePromQL(query);
  const kind = resultKind(expr);
  if (kind !== 'scalar' && kind !== 'vector')
    throw new PromQLError(
      'bad_data',
      `invalid expression type "${kind === 'matrix' ? 'range vector' : kind}" for range query, must be Scalar or instant Vector`,
    );
  const ev = new Evaluator(storage.query, expr, { lookbackMs });
  await ev.load(startMs, endMs);
  const series = new Map<string, { metric: Labels; values: Array<[number, string]> }>();
  for (let t = startMs; t <= endMs; t += stepMs) {
    const v = ev.at(t);
    const samples = v.kind === 'scalar' ? [{ labels: {}, v: v.v }] : v.kind === 'vector' ? v.samples : [];
    const seen = new Set<string>();
    for (const s of samples) {
      const key = labelsKey(s.labels);
      if (seen.has(key)) throw new PromQLError('execution', 'vector cannot contain metrics with the same labelset');
      seen.add(key);
      let out = series.get(key);
      if (!out) {
        out = { metric: s.labels, values: [] };
        series.set(key, out);
      }
      out.values.push([seconds(t), formatSampleValue(s.v)]);
    }
  }
  const result = [...series.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  return { resultType: 'matrix', result };
}

export async function instantQuery(storage: ServerStorage, query: string, t: number, lookbackMs = DEFAULT_LOOKBACK_MS) {
  const expr = parsePromQL(query);
  const ev = new Evaluator(storage.query, expr, { lookbackMs });
  await ev.load(t, t);
  const v = ev.at(t);
  if (v.kind === 'vector') {
    const seen = new Set<string>();
    for (const s of v.samples) {
      const key = labelsKey(s.labels);
      if (seen.has(key)) throw new PromQLError('execution', 'vector cannot contain metrics with the same labelset');
      seen.add(key);
    }
  }
  return instantResult(v, t);
}

/** Series matching any of the `match[]` selectors in the window, each as its label set. */
async function matchingSeries(storage: ServerStorage, p: URLSearchParams, required: boolean): Promise<Labels[]> {
  const end = p.get('end') ? parseTime('end', p.get('end')!) : Date.now();
  const start = p.get('start') ? parseTime('start', p.get('start')!) : end - DEFAULT_LIST_WINDOW_MS;
  let selectors = p.getAll('match[]');
  if (selectors.length === 0) {
    if (required) throw new PromQLError('bad_data', 'no match[] parameter provided');
    selectors = ['{__name__=~".+"}'];
  }
  const out = new Map<string, Labels>();
  for (const text of selectors) {
    const e = parsePromQL(text);
    if (e.type !== 'selector' || e.rangeMs !== undefined)
      throw new PromQLError(
        'bad_data',
        `invalid parameter "match[]": ${JSON.stringify(text)} is not a series selector`,
      );
    for (const s of await loadSeries(storage.query, e.matchers, start - 1, end))
      if (s.t.length > 0) out.set(labelsKey(s.labels), s.labels);
  }
  return [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((x) => x[1]);
}

/** Mounts Prometheus' query API at `/api/v1/*` (the one-line hook in app.ts). */
export function registerPrometheusApi(app: Hono, storage: ServerStorage): void {
  const handle = (fn: (p: URLSearchParams) => Promise<unknown>) => async (c: Context) => {
    try {
      return success(c, await fn(await params(c)));
    } catch (error) {
      return failure(c, error);
    }
  };
  const required = (p: URLSearchParams, name: string): string => {
    const v = p.get(name);
    if (v === null || v === '') throw new PromQLError('bad_data', `invalid parameter "${name}": missing`);
    return v;
  };

  const query = handle(async (p) => {
    const t = p.get('time') ? parseTime('time', p.get('time')!) : Date.now();
    return instantQuery(storage, required(p, 'query'), t, lookback(p));
  });
  const queryRange = handle(async (p) => {
    const start = parseTime('start', required(p, 'start'));
    const end = parseTime('end', required(p, 'end'));
    return rangeQuery(storage, required(p, 'query'), start, end, parseStep(required(p, 'step')), lookback(p));
  });
  const series = handle(async (p) => matchingSeries(storage, p, true));
  const labels = handle(async (p) => {
    const names = new Set<string>();
    for (const s of await matchingSeries(storage, p, false)) for (const k of Object.keys(s)) names.add(k);
    return [...names].sort();
  });
  app.get('/api/v1/query', query);
  app.post('/api/v1/query', query);
  app.get('/api/v1/query_range', queryRange);
  app.post('/api/v1/query_range', queryRange);
  app.get('/api/v1/series', series);
  app.post('/api/v1/series', series);
  app.get('/api/v1/labels', labels);
  app.post('/api/v1/labels', labels);
  app.get('/api/v1/label/:name/values', async (c) =>
    handle(async (p) => {
      const name = c.req.param('name');
      if (name === '__name__' && p.getAll('match[]').length === 0)
        return [...(await catalogOf(storage.query)).keys()].sort();
      const values = new Set<string>();
      for (const s of await matchingSeries(storage, p, false)) if (s[name] !== undefined) values.add(s[name]!);
      return [...values].sort();
    })(c),
  );
  app.get(
    '/api/v1/metadata',
    handle(async (p) => {
      const wanted = p.get('metric') ?? undefined;
      const limit = p.get('limit') ? Number(p.get('limit')) : undefined;
      const out: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
      for (const list of (await catalogOf(storage.query)).values()) {
        for (const e of list) {
          if (wanted !== undefined && e.family !== wanted) continue;
          if (out[e.family]) continue;
          if (limit !== undefined && limit > 0 && Object.keys(out).length >= limit) break;
          out[e.family] = [{ type: e.kind, help: e.help, unit: e.unit }];
        }
      }
      return out;
    }),
  );
  app.get(
    '/api/v1/status/buildinfo',
    handle(async () => ({
      version: PROMETHEUS_API_VERSION,
      revision: 'rohas-telemetry',
      branch: '',
      buildUser: '',
      buildDate: '',
      goVersion: '',
    })),
  );
  app.all('/api/v1/*', (c) =>
    failure(
      c,
      new PromQLError('bad_data', `unsupported Prometheus API endpoint ${c.req.method} ${new URL(c.req.url).pathname}`),
    ),
  );
}
