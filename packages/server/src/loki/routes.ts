/**
 * Loki's HTTP query API (`/loki/api/v1/*`, the calls Grafana's Loki data source makes) over the stored logs:
 * query_range and query (streams for log queries, matrix/vector for metric queries), labels, label values, series
 * and index stats, in Loki's response shapes. Errors use the `{status: "error", errorType, error}` envelope, with
 * `bad_data` (400) naming what is outside the LogQL subset.
 */
import { asError, TelemetryError } from '@rohas/telemetry/adapter';
import type { Context, Hono } from 'hono';
import { bearerAuth } from '../auth.js';
import { parseDurationSeconds } from '../promql/ast.js';
import { PromQLError } from '../promql/internal-types.js';
import { formatSampleValue } from '../promql/routes.js';
import { labelsKey } from '../promql/series-source.js';
import type { ServerStorage } from '../types.js';
import { parseLogQL } from './ast.js';
import { evalMetric, readEntries, selectorOf, toStreams } from './engine.js';

const DEFAULT_WINDOW_NS = 3_600_000_000_000n;
const MAX_LIMIT = 5000;

/** A Loki time: float seconds (with a dot), unix seconds (up to 10 digits), nanoseconds, or RFC 3339. */
export function parseLokiTime(name: string, text: string): bigint {
  if (/^-?\d+\.\d*$/.test(text)) return BigInt(Math.round(Number(text) * 1e6)) * 1000n;
  if (/^-?\d+$/.test(text)) return text.replace('-', '').length <= 10 ? BigInt(text) * 1_000_000_000n : BigInt(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new PromQLError('bad_data', `invalid parameter "${name}": cannot parse "${text}"`);
  const frac = /\.(\d+)/.exec(text)?.[1] ?? '';
  // Keep sub-millisecond digits of an RFC 3339 time.
  const extra = frac.length > 3 ? BigInt(frac.slice(3, 9).padEnd(6, '0')) : 0n;
  return BigInt(ms) * 1_000_000n + extra;
}

function fail(c: Context, error: unknown): Response {
  let e: PromQLError;
  if (error instanceof PromQLError) e = error;
  else if (error instanceof TelemetryError && error.name === 'QueryError')
    e = new PromQLError('bad_data', error.message);
  else e = new PromQLError('internal', asError(error).message);
  const status = e.errorType === 'bad_data' ? 400 : e.errorType === 'execution' ? 422 : 500;
  return c.json({ status: 'error', errorType: e.errorType, error: e.message }, status as 400);
}

async function params(c: Context): Promise<URLSearchParams> {
  const out = new URL(c.req.url).searchParams;
  if (c.req.method === 'POST' && (c.req.header('content-type') ?? '').includes('application/x-www-form-urlencoded'))
    for (const [k, v] of new URLSearchParams(await c.req.text())) out.append(k, v);
  return out;
}

function window(p: URLSearchParams): { start: bigint; end: bigint } {
  const end = p.get('end') ? parseLokiTime('end', p.get('end')!) : BigInt(Date.now()) * 1_000_000n;
  const start = p.get('start') ? parseLokiTime('start', p.get('start')!) : end - DEFAULT_WINDOW_NS;
  if (end < start) throw new PromQLError('bad_data', 'end timestamp must not be before or equal to start time');
  return { start, end };
}

function limitOf(p: URLSearchParams): number {
  const text = p.get('limit');
  if (!text) return 100;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw new PromQLError('bad_data', `invalid parameter "limit": must be an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

function directionOf(p: URLSearchParams): 'forward' | 'backward' {
  const d = (p.get('direction') ?? 'backward').toLowerCase();
  if (d !== 'forward' && d !== 'backward')
    throw new PromQLError('bad_data', 'invalid parameter "direction": forward or backward');
  return d;
}

/** Loki's default step: the range over 250 points, at least 1 s (Grafana always sends one). */
function stepOf(p: URLSearchParams, start: bigint, end: bigint): number {
  const text = p.get('step');
  if (!text) return Math.max(1000, Math.ceil(Number((end - start) / 1_000_000n) / 250 / 1000) * 1000);
  const ms = Math.round(parseDurationSeconds(text) * 1000);
  if (!(ms > 0)) throw new PromQLError('bad_data', 'invalid parameter "step": must be positive');
  return ms;
}

const stats = { summary: { execTime: 0 } };

/** Mounts Loki's query API at `/loki/api/v1/*` (the one-line hook in app.ts); `token` protects it as the rest. */
export function registerLokiApi(app: Hono, storage: ServerStorage, token?: string): void {
  if (token)
    app.use(
      '/loki/*',
      bearerAuth(token, (c) =>
        c.json({ status: 'error', errorType: 'unauthorized', error: 'missing or wrong bearer token' }, 401),
      ),
    );
  const q = storage.query;
  const handle = (fn: (p: URLSearchParams, c: Context) => Promise<unknown>) => async (c: Context) => {
    try {
      return c.json({ status: 'success', data: await fn(await params(c), c) });
    } catch (error) {
      return fail(c, error);
    }
  };
  const required = (p: URLSearchParams, name: string) => {
    const v = p.get(name);
    if (!v) throw new PromQLError('bad_data', `invalid parameter "${name}": missing`);
    return v;
  };

  const queryRange = handle(async (p) => {
    const expr = parseLogQL(required(p, 'query'));
    const { start, end } = window(p);
    if (expr.type === 'log') {
      const direction = directionOf(p);
      const entries = await readEntries(q, expr.selector, start, end, direction, limitOf(p));
      return { resultType: 'streams', result: toStreams(entries), stats };
    }
    const step = stepOf(p, start, end);
    const startMs = Number(start / 1_000_000n);
    const endMs = Number(end / 1_000_000n);
    if ((endMs - startMs) / step > 11_000)
      throw new PromQLError(
        'bad_data',
        'exceeded maximum resolution of 11,000 points per timeseries. Try increasing the value of the step parameter',
      );
    const times: number[] = [];
    for (let t = startMs; t <= endMs; t += step) times.push(t);
    const vectors = await evalMetric(q, expr, times);
    const series = new Map<string, { metric: Record<string, string>; values: Array<[number, string]> }>();
    vectors.forEach((vec, i) => {
      for (const s of vec) {
        const key = labelsKey(s.labels);
        let out = series.get(key);
        if (!out) {
          out = { metric: s.labels, values: [] };
          series.set(key, out);
        }
        out.values.push([times[i]! / 1000, formatSampleValue(s.v)]);
      }
    });
    const result = [...series.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((x) => x[1]);
    return { resultType: 'matrix', result, stats };
  });

  const instant = handle(async (p) => {
    const expr = parseLogQL(required(p, 'query'));
    const t = p.get('time') ? parseLokiTime('time', p.get('time')!) : BigInt(Date.now()) * 1_000_000n;
    if (expr.type === 'log') {
      const entries = await readEntries(q, expr.selector, t - DEFAULT_WINDOW_NS, t + 1n, directionOf(p), limitOf(p));
      return { resultType: 'streams', result: toStreams(entries), stats };
    }
    const ms = Number(t / 1_000_000n);
    const [vec] = await evalMetric(q, expr, [ms]);
    return {
      resultType: 'vector',
      result: vec!.map((s) => ({ metric: s.labels, value: [ms / 1000, formatSampleValue(s.v)] })),
      stats,
    };
  });

  /** Distinct label sets of the streams a selector (or every stream) has in the window. */
  const labelSets = async (p: URLSearchParams): Promise<Array<Record<string, string>>> => {
    const { start, end } = window(p);
    const selectors = [...p.getAll('match[]'), ...(p.get('query') ? [p.get('query')!] : [])];
    const out = new Map<string, Record<string, string>>();
    const texts = selectors.length > 0 ? selectors : [undefined];
    for (const text of texts) {
      const selector = text ? selectorOf(text, parseLogQL) : { matchers: [], stages: [] };
      for (const s of toStreams(await readEntries(q, selector, start, end, 'backward')))
        out.set(labelsKey(s.stream), s.stream);
    }
    return [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((x) => x[1]);
  };

  app.get('/loki/api/v1/query_range', queryRange);
  app.post('/loki/api/v1/query_range', queryRange);
  app.get('/loki/api/v1/query', instant);
  app.post('/loki/api/v1/query', instant);
  const labels = handle(async (p) => [...new Set((await labelSets(p)).flatMap((s) => Object.keys(s)))].sort());
  app.get('/loki/api/v1/labels', labels);
  app.get('/loki/api/v1/label', labels);
  app.get(
    '/loki/api/v1/label/:name/values',
    handle(async (p, c) => {
      const name = c.req.param('name')!;
      return [...new Set((await labelSets(p)).map((s) => s[name]).filter((v): v is string => v !== undefined))].sort();
    }),
  );
  const series = handle(async (p) => {
    if (p.getAll('match[]').length === 0) throw new PromQLError('bad_data', 'invalid parameter "match[]": missing');
    return labelSets(p);
  });
  app.get('/loki/api/v1/series', series);
  app.post('/loki/api/v1/series', series);
  app.get('/loki/api/v1/index/stats', async (c) => {
    try {
      const p = await params(c);
      const { start, end } = window(p);
      const selector = selectorOf(required(p, 'query'), parseLogQL);
      const entries = await readEntries(q, selector, start, end, 'forward');
      const streams = toStreams(entries);
      const bytes = entries.reduce((n, e) => n + Buffer.byteLength(e.line), 0);
      return c.json({ streams: streams.length, chunks: streams.length, entries: entries.length, bytes });
    } catch (error) {
      return fail(c, error);
    }
  });
  app.all('/loki/*', (c) =>
    fail(
      c,
      new PromQLError('bad_data', `unsupported Loki API endpoint ${c.req.method} ${new URL(c.req.url).pathname}`),
    ),
  );
}
