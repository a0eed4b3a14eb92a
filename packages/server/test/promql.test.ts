// The Prometheus query API over stored points (memory and SQLite storages): names as the pull endpoint exposes them,
// step/lookback semantics, every function and operator of the subset against values worked out by hand from
// Prometheus' rules, and bad_data for what is outside the subset. The comparison with a real Prometheus is in
// integration-tests/test/promql-oracle.test.ts.
import type { MetricPoint } from '@rohas/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ServerStorage } from '../src/index.js';
import { formatSampleValue } from '../src/promql/routes.js';
import { storageFactories } from './support/storages.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

const T0 = 1_700_000_000_000; // ms, a whole minute
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const resource = { attributes: { 'service.name': 'shop' } };
const scope = { name: 'rohas', version: '1.0.0' };

function counter(handler: string, ms: number, value: number): MetricPoint {
  return {
    name: 'handler.execution.count',
    description: 'handler executions',
    unit: '{call}',
    type: 'counter',
    temporality: 'cumulative',
    isMonotonic: true,
    attributes: { 'handler.name': handler },
    resource,
    scope,
    startTimeUnixNano: ns(T0 - 3_600_000),
    timeUnixNano: ns(ms),
    value,
  };
}
function gauge(ms: number, value: number): MetricPoint {
  return {
    name: 'queue.depth',
    type: 'gauge',
    temporality: 'unspecified',
    attributes: { queue: 'q1' },
    resource,
    scope,
    startTimeUnixNano: ns(ms),
    timeUnixNano: ns(ms),
    value,
  };
}
function histogram(ms: number, counts: number[], sum: number): MetricPoint {
  return {
    name: 'handler.execution.duration',
    unit: 'ms',
    type: 'histogram',
    temporality: 'cumulative',
    attributes: { 'handler.name': 'a' },
    resource,
    scope,
    startTimeUnixNano: ns(T0 - 3_600_000),
    timeUnixNano: ns(ms),
    histogram: { bounds: [10, 100], counts, count: counts.reduce((x, y) => x + y, 0), sum, min: 1 },
  };
}

/** Counter a: +1/s sampled every 10 s from T0 for 10 minutes; b: +2/s; gauge: sample at T0 and T0+60s only. */
function fixture(): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let i = 0; i <= 60; i++) {
    const ms = T0 + i * 10_000;
    out.push(counter('a', ms, i * 10), counter('b', ms, i * 20));
    out.push(histogram(ms, [i, 2 * i, i], 55 * i));
  }
  out.push(gauge(T0, 5), gauge(T0 + 60_000, 7));
  return out;
}

for (const factory of storageFactories()) {
  describe(`PromQL API over ${factory.name}`, () => {
    let storage: ServerStorage;
    let cleanup: () => Promise<void>;
    let app: ReturnType<typeof createApp>['app'];
    beforeAll(async () => {
      const opened = await factory.open();
      storage = opened.storage;
      cleanup = opened.cleanup;
      storage.ingestMetrics(fixture());
      await storage.forceFlush();
      app = createApp(storage, { logger: { info() {}, warn() {}, error() {} } }).app;
    });
    afterAll(() => cleanup?.());

    const get = async (path: string, params: Record<string, string | number>) => {
      const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)] as [string, string]));
      const res = await app.request(`${path}?${q}`);
      return { status: res.status, body: (await res.json()) as Json };
    };
    const instant = async (query: string, ms: number) => {
      const r = await get('/api/v1/query', { query, time: ms / 1000 });
      expect(r.body.status, JSON.stringify(r.body)).toBe('success');
      return r.body.data;
    };
    /** Vector result as {labelKey: value}, labels given by `key`. */
    const values = async (query: string, ms: number, key: (m: Record<string, string>) => string) => {
      const data = await instant(query, ms);
      expect(data.resultType).toBe('vector');
      return Object.fromEntries(data.result.map((r: Json) => [key(r.metric), Number(r.value[1])]));
    };
    const byHandler = (m: Record<string, string>) => m.handler_name ?? '';

    it('names series as the pull endpoint does, with job from service.name and the scope labels', async () => {
      const data = await instant('handler_execution_count_total', T0 + 60_000);
      expect(data.result).toHaveLength(2);
      expect(data.result[0].metric).toEqual({
        __name__: 'handler_execution_count_total',
        handler_name: 'a',
        job: 'shop',
        otel_scope_name: 'rohas',
        otel_scope_version: '1.0.0',
      });
      expect(data.result[0].value).toEqual([(T0 + 60_000) / 1000, '60']);
      const names = (await get('/api/v1/label/__name__/values', {})).body.data;
      expect(names).toEqual(
        expect.arrayContaining([
          'handler_execution_count_total',
          'handler_execution_duration_milliseconds_bucket',
          'handler_execution_duration_milliseconds_count',
          'handler_execution_duration_milliseconds_sum',
          'queue_depth',
        ]),
      );
      const buckets = await values('handler_execution_duration_milliseconds_bucket', T0 + 100_000, (m) => m.le!);
      expect(buckets).toEqual({ '10': 10, '100': 30, '+Inf': 40 });
    });

    it('instant selectors look back 5 minutes, exclusive of the start; offset shifts them', async () => {
      expect(await values('queue_depth', T0 + 60_000 + 299_999, () => 'q')).toEqual({ q: 7 });
      expect(await values('queue_depth', T0 + 60_000 + 300_000, () => 'q')).toEqual({});
      expect(await values('queue_depth offset 1m', T0 + 60_000, () => 'q')).toEqual({ q: 5 });
      expect(await values('queue_depth offset 1m', T0 + 59_999, () => 'q')).toEqual({});
    });

    it('rate, increase, irate and delta follow Prometheus extrapolation', async () => {
      // [1m] at T0+300s holds samples at +250..+300s (6 samples, 50 s apart from first to last).
      // Threshold 11 s: the first sample is 10 s from the range start -> extrapolate to it; the last is at the end.
      expect(await values('rate(handler_execution_count_total[1m])', T0 + 300_000, byHandler)).toEqual({ a: 1, b: 2 });
      expect(await values('increase(handler_execution_count_total[1m])', T0 + 300_000, byHandler)).toEqual({
        a: 60,
        b: 120,
      });
      expect(await values('irate(handler_execution_count_total[1m])', T0 + 300_000, byHandler)).toEqual({ a: 1, b: 2 });
      // The series starts at T0: a range ending at T0+30s holds 0,10,20,30 -> the zero point stops extrapolation at T0.
      expect(await values('increase(handler_execution_count_total[1m])', T0 + 30_000, byHandler)).toEqual({
        a: 30 * ((30 + 0 + 0) / 30),
        b: 60,
      });
      // delta on a gauge with two samples 60 s apart in a 2m range ending 30 s after the last: no extrapolation past
      // half an interval (30 s) on either side -> 2 * (60 + 30 + 30) / 60 = 4.
      expect(await values('delta(queue_depth[2m])', T0 + 90_000, () => 'q')).toEqual({ q: 4 });
      // A step that finds one sample has no rate.
      expect(await values('rate(handler_execution_count_total[5s])', T0 + 300_000, byHandler)).toEqual({});
    });

    it('the *_over_time functions', async () => {
      const at = T0 + 300_000; // [30s] -> samples at +280, +290, +300 (a: 28, 29, 30 x 10)
      const q = (fn: string) => values(`${fn}(handler_execution_count_total{handler_name="a"}[30s])`, at, () => 'v');
      expect(await q('avg_over_time')).toEqual({ v: 290 });
      expect(await q('min_over_time')).toEqual({ v: 280 });
      expect(await q('max_over_time')).toEqual({ v: 300 });
      expect(await q('sum_over_time')).toEqual({ v: 870 });
      expect(await q('count_over_time')).toEqual({ v: 3 });
      expect(await q('last_over_time')).toEqual({ v: 300 });
      expect(await q('present_over_time')).toEqual({ v: 1 });
      expect((await q('stdvar_over_time')).v).toBeCloseTo(200 / 3, 9);
      expect((await q('stddev_over_time')).v).toBeCloseTo(Math.sqrt(200 / 3), 9);
      expect(
        await values('quantile_over_time(0.5, handler_execution_count_total{handler_name="a"}[30s])', at, () => 'v'),
      ).toEqual({ v: 290 });
      const last = await instant('last_over_time(handler_execution_count_total{handler_name="a"}[30s])', at);
      expect(last.result[0].metric.__name__).toBe('handler_execution_count_total');
      const avg = await instant('avg_over_time(handler_execution_count_total{handler_name="a"}[30s])', at);
      expect(avg.result[0].metric.__name__).toBeUndefined();
    });

    it('aggregations with by / without, topk and bottomk', async () => {
      const at = T0 + 300_000;
      expect(await values('sum(rate(handler_execution_count_total[1m]))', at, () => 's')).toEqual({ s: 3 });
      expect(await values('sum by (job) (handler_execution_count_total)', at, (m) => m.job!)).toEqual({ shop: 900 });
      expect(
        await values('sum without (handler_name) (handler_execution_count_total)', at, (m) => Object.keys(m).join()),
      ).toEqual({ 'job,otel_scope_name,otel_scope_version': 900 });
      const first = await instant('handler_execution_count_total', at);
      expect(Object.keys(first.result[0].metric)).toEqual(Object.keys(first.result[0].metric).sort());
      expect(await values('avg(handler_execution_count_total)', at, () => 'x')).toEqual({ x: 450 });
      expect(await values('min(handler_execution_count_total)', at, () => 'x')).toEqual({ x: 300 });
      expect(await values('max(handler_execution_count_total)', at, () => 'x')).toEqual({ x: 600 });
      expect(await values('count(handler_execution_count_total)', at, () => 'x')).toEqual({ x: 2 });
      expect(await values('topk(1, handler_execution_count_total)', at, byHandler)).toEqual({ b: 600 });
      expect(await values('bottomk(1, handler_execution_count_total)', at, byHandler)).toEqual({ a: 300 });
    });

    it('histogram_quantile over the stored buckets', async () => {
      // At T0+300s over [1m]: each bucket grows by (6, 12, 6) per 60 s -> rates 0.1, 0.2, 0.1 per s.
      // Cumulative rates: le=10: 0.1, le=100: 0.3, +Inf: 0.4; p50 rank 0.2 -> in (10, 100]: 10 + 90 * (0.1/0.2) = 55.
      const r = await values(
        'histogram_quantile(0.5, sum by (le) (rate(handler_execution_duration_milliseconds_bucket[1m])))',
        T0 + 300_000,
        () => 'q',
      );
      expect(r.q).toBeCloseTo(55, 9);
      // p99 rank falls in +Inf -> the highest finite bound.
      expect(
        await values(
          'histogram_quantile(0.99, rate(handler_execution_duration_milliseconds_bucket[1m]))',
          T0 + 300_000,
          byHandler,
        ),
      ).toEqual({ a: 100 });
      const sum = await values('handler_execution_duration_milliseconds_sum', T0 + 300_000, byHandler);
      expect(sum).toEqual({ a: 55 * 30 });
    });

    it('arithmetic and comparison between vectors and scalars', async () => {
      const at = T0 + 300_000;
      const a = '{handler_name="a"}';
      expect(await values(`handler_execution_count_total${a} * 2 + 1`, at, () => 'x')).toEqual({ x: 601 });
      expect(await values(`2 ^ 3 - handler_execution_count_total${a} / 100`, at, () => 'x')).toEqual({ x: 5 });
      expect(await values(`handler_execution_count_total % 7`, at, byHandler)).toEqual({ a: 300 % 7, b: 600 % 7 });
      expect(await values('handler_execution_count_total > 400', at, byHandler)).toEqual({ b: 600 });
      expect(await values('handler_execution_count_total > bool 400', at, byHandler)).toEqual({ a: 0, b: 1 });
      expect(await values('500 < handler_execution_count_total', at, byHandler)).toEqual({ b: 600 });
      const gt = await instant('handler_execution_count_total > 400', at);
      expect(gt.result[0].metric.__name__).toBe('handler_execution_count_total');
      // vector / vector, one-to-one on identical label sets.
      expect(
        await values(
          'rate(handler_execution_count_total[1m]) / rate(handler_execution_count_total[1m] offset 1m)',
          at,
          byHandler,
        ),
      ).toEqual({ a: 1, b: 1 });
      expect(
        await values(
          'sum by (handler_name) (handler_execution_count_total) - on (handler_name) handler_execution_count_total',
          at,
          byHandler,
        ),
      ).toEqual({ a: 0, b: 0 });
      expect(await instant('1 + 2 * 3', at)).toEqual({ resultType: 'scalar', result: [at / 1000, '7'] });
    });

    it('regex and negative matchers', async () => {
      const at = T0 + 300_000;
      expect(await values('handler_execution_count_total{handler_name=~"a|c"}', at, byHandler)).toEqual({ a: 300 });
      expect(await values('handler_execution_count_total{handler_name!~"a"}', at, byHandler)).toEqual({ b: 600 });
      expect(await values('handler_execution_count_total{handler_name!="a"}', at, byHandler)).toEqual({ b: 600 });
      expect(await values('{__name__=~"handler_execution_count_.*", job="shop"}', at, byHandler)).toEqual({
        a: 300,
        b: 600,
      });
      expect(await values('handler_execution_count_total{handler_name=~"A", job=~"(?i)SHOP"}', at, byHandler)).toEqual(
        {},
      );
    });

    it('query_range: steps from start to end, GET and POST form, Prometheus envelope', async () => {
      const params = {
        query: 'sum by (handler_name) (rate(handler_execution_count_total[1m]))',
        start: (T0 + 120_000) / 1000,
        end: (T0 + 240_000) / 1000,
        step: '60s',
      };
      const r = await get('/api/v1/query_range', params);
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('success');
      expect(r.body.data.resultType).toBe('matrix');
      expect(r.body.data.result).toEqual([
        {
          metric: { handler_name: 'a' },
          values: [
            [(T0 + 120_000) / 1000, '1'],
            [(T0 + 180_000) / 1000, '1'],
            [(T0 + 240_000) / 1000, '1'],
          ],
        },
        {
          metric: { handler_name: 'b' },
          values: [
            [(T0 + 120_000) / 1000, '2'],
            [(T0 + 180_000) / 1000, '2'],
            [(T0 + 240_000) / 1000, '2'],
          ],
        },
      ]);
      const form = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)] as [string, string]));
      const post = await app.request('/api/v1/query_range', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      expect(await post.json()).toEqual(r.body);
      const rfc = await get('/api/v1/query_range', {
        ...params,
        start: new Date(T0 + 120_000).toISOString(),
        end: new Date(T0 + 240_000).toISOString(),
        step: 60,
      });
      expect(rfc.body).toEqual(r.body);
      // A scalar query gives one series with no labels.
      const scalar = await get('/api/v1/query_range', { ...params, query: '2 * 3' });
      expect(scalar.body.data.result).toEqual([
        { metric: {}, values: r.body.data.result[0].values.map((v: Json) => [v[0], '6']) },
      ]);
    });

    it('series, labels, label values, metadata and buildinfo', async () => {
      const window = { start: (T0 + 60_000) / 1000, end: (T0 + 120_000) / 1000 };
      const series = await get('/api/v1/series', { 'match[]': 'handler_execution_count_total', ...window });
      expect(series.body.data.map((s: Json) => s.handler_name)).toEqual(['a', 'b']);
      expect((await get('/api/v1/series', window)).status).toBe(400);
      const labels = await get('/api/v1/labels', { 'match[]': 'queue_depth', ...window });
      expect(labels.body.data).toEqual(['__name__', 'job', 'otel_scope_name', 'otel_scope_version', 'queue']);
      const hv = await get('/api/v1/label/handler_name/values', window);
      expect(hv.body.data).toEqual(['a', 'b']);
      const meta = await get('/api/v1/metadata', {});
      expect(meta.body.data.handler_execution_count_total).toEqual([
        { type: 'counter', help: 'handler executions', unit: '' },
      ]);
      expect(meta.body.data.handler_execution_duration_milliseconds[0].type).toBe('histogram');
      const build = await get('/api/v1/status/buildinfo', {});
      expect(build.body.data.version).toMatch(/^\d+\.\d+\.\d+$/);
    });

    it('answers bad_data naming what is outside the subset, and for malformed input', async () => {
      const bad = async (query: string, pattern: RegExp) => {
        const r = await get('/api/v1/query', { query, time: T0 / 1000 });
        expect(r.status, query).toBe(400);
        expect(r.body.status).toBe('error');
        expect(r.body.errorType).toBe('bad_data');
        expect(r.body.error, query).toMatch(pattern);
      };
      await bad('rate(handler_execution_count_total[5m:1m])', /subquery/);
      await bad('a / on (x) group_left b', /group_left/);
      await bad('a and b', /binary operator and/);
      await bad('label_replace(a, "x", "y", "z", "w")', /function label_replace/);
      await bad('quantile(0.5, a)', /aggregation quantile/);
      await bad('a @ 100', /@ modifier/);
      await bad('sum(a', /parse error/);
      await bad('rate(a)', /range vector/);
      await bad('{}', /non-empty matcher/);
      await bad('a{b=~"("}', /regular expression/);
      await bad('1 > 2', /BOOL/);
      const range = await get('/api/v1/query_range', { query: 'a', start: 0, end: 100_000, step: 1 });
      expect(range.body.error).toMatch(/11,000 points/);
      const noQuery = await get('/api/v1/query_range', { start: 0, end: 1, step: 1 });
      expect(noQuery.body).toMatchObject({ status: 'error', errorType: 'bad_data' });
      const badTime = await get('/api/v1/query', { query: '1', time: 'yesterday' });
      expect(badTime.body.error).toMatch(/time/);
    });
  });
}

describe('sample value text', () => {
  it('writes values as Prometheus does', () => {
    expect(formatSampleValue(1)).toBe('1');
    expect(formatSampleValue(0.25)).toBe('0.25');
    expect(formatSampleValue(1e21)).toBe('1000000000000000000000');
    expect(formatSampleValue(1.5e-7)).toBe('0.00000015');
    expect(formatSampleValue(Number.NaN)).toBe('NaN');
    expect(formatSampleValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatSampleValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
  });
});
