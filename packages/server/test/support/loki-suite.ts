// The Loki query API suite, reusable for every backend: stream selectors over resource/log attributes, line filters,
// | json and | logfmt with label filters, the metric queries, the label/series/stats endpoints, and bad_data for what
// is outside the LogQL subset. packages/server runs it over memory and SQLite (test/loki.test.ts); the integration
// tests over PostgreSQL and InfluxDB 1.x (integration-tests/test/loki-backends.test.ts).
import type { LogRecord } from '@rohas/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ServerStorage } from '../../src/index.js';
import type { StorageFactory } from './storages.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

const T0 = 1_700_000_000_000; // ms
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const TRACE = 'ab'.repeat(16);

function log(ms: number, body: string, severity: 'INFO' | 'ERROR', extra: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: ns(ms) + 7n,
    observedTimeUnixNano: ns(ms) + 9n,
    severityNumber: severity === 'ERROR' ? 17 : 9,
    severityText: severity,
    body,
    attributes: { 'code.function': 'handle' },
    resource: { attributes: { 'service.name': 'shop', 'deployment.environment': 'test' } },
    scope: { name: 'rohas' },
    ...extra,
  };
}

/** 12 lines over 2 minutes: JSON, logfmt and plain text; one line carries a trace id; one other service. */
function fixture(): LogRecord[] {
  const out: LogRecord[] = [];
  for (let i = 0; i < 6; i++) {
    out.push(
      log(T0 + i * 20_000, JSON.stringify({ status: 200 + i * 60, method: 'GET', user: { id: `u${i}` } }), 'INFO'),
    );
    out.push(
      log(
        T0 + i * 20_000 + 5_000,
        `level=${i % 2 ? 'error' : 'info'} msg="boom ${i}" status=${500 + i}`,
        i % 2 ? 'ERROR' : 'INFO',
      ),
    );
  }
  out.push(log(T0 + 1000, 'plain text with trace', 'ERROR', { traceId: TRACE, spanId: 'cd'.repeat(8) }));
  out.push(
    log(T0 + 2000, 'other service', 'INFO', {
      resource: { attributes: { 'service.name': 'billing' } },
    }),
  );
  return out;
}

export function lokiApiSuite(factory: StorageFactory): void {
  describe(`Loki API over ${factory.name}`, () => {
    let storage: ServerStorage;
    let cleanup: () => Promise<void>;
    let app: ReturnType<typeof createApp>['app'];
    beforeAll(async () => {
      const opened = await factory.open();
      storage = opened.storage;
      cleanup = opened.cleanup;
      storage.ingestLogs(fixture());
      await storage.forceFlush();
      app = createApp(storage, { logger: { info() {}, warn() {}, error() {} } }).app;
    });
    afterAll(() => cleanup?.());

    const window = { start: String(ns(T0 - 1000)), end: String(ns(T0 + 130_000)) };
    const get = async (path: string, params: Record<string, string | number>) => {
      const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)] as [string, string]));
      const res = await app.request(`${path}?${q}`);
      return { status: res.status, body: (await res.json()) as Json };
    };
    const lines = async (query: string, extra: Record<string, string | number> = {}) => {
      const r = await get('/loki/api/v1/query_range', { query, ...window, ...extra });
      expect(r.body.status, JSON.stringify(r.body)).toBe('success');
      expect(r.body.data.resultType).toBe('streams');
      return (r.body.data.result as Json[])
        .flatMap((s) => s.values.map((v: [string, string]) => ({ t: v[0], line: v[1], stream: s.stream })))
        .sort((a: Json, b: Json) => (BigInt(a.t) < BigInt(b.t) ? -1 : 1));
    };

    it('selects streams by resource attributes and severity; lines keep trace_id as a label', async () => {
      const all = await lines('{service_name="shop"}', { limit: 1000 });
      expect(all).toHaveLength(13);
      expect(all[0].t).toBe(String(ns(T0) + 7n));
      const traced = await lines('{service_name="shop", trace_id=~".+"}');
      expect(traced.map((l: Json) => l.line)).toEqual(['plain text with trace']);
      expect(traced[0].stream).toMatchObject({
        service_name: 'shop',
        deployment_environment: 'test',
        severity_text: 'ERROR',
        trace_id: TRACE,
        span_id: 'cd'.repeat(8),
        code_function: 'handle',
      });
      expect(await lines('{severity_text="ERROR", service_name=~"sh.p"}')).toHaveLength(4);
      expect(
        (await lines('{service_name=~".+", service_name!="shop", deployment_environment=""}')).map((l: Json) => l.line),
      ).toEqual(['other service']);
    });

    it('line filters |= != |~ !~', async () => {
      expect(await lines('{service_name="shop"} |= "boom"')).toHaveLength(6);
      expect(await lines('{service_name="shop"} |= "boom" != "boom 3"')).toHaveLength(5);
      expect((await lines('{service_name="shop"} |~ "boom [12]"')).map((l: Json) => l.line)).toEqual([
        'level=error msg="boom 1" status=501',
        'level=info msg="boom 2" status=502',
      ]);
      expect(await lines('{service_name="shop"} !~ "status|trace"')).toHaveLength(0);
    });

    it('| json and | logfmt extract labels that label filters use', async () => {
      const errors = await lines('{service_name="shop"} | json | status >= 380 and method="GET"');
      expect(errors.map((l: Json) => JSON.parse(l.line).status)).toEqual([380, 440, 500]);
      expect(errors[0].stream.user_id).toBe('u3');
      const lf = await lines('{service_name="shop"} | logfmt | level="error", status > 502');
      expect(lf.map((l: Json) => l.stream.msg)).toEqual(['boom 3', 'boom 5']);
      // A line that is not JSON keeps going with __error__, as Loki does.
      const bad = await lines('{service_name="shop"} |= "plain" | json');
      expect(bad[0].stream.__error__).toBe('JSONParserErr');
      const noErr = await lines('{service_name="shop"} | json | __error__=""');
      expect(noErr).toHaveLength(6);
    });

    it('direction and limit', async () => {
      const r = await get('/loki/api/v1/query_range', {
        query: '{service_name="shop"} |= "boom"',
        ...window,
        limit: 2,
      });
      const values = r.body.data.result.flatMap((s: Json) => s.values.map((v: Json) => v[1]));
      expect(values.sort()).toEqual(['level=error msg="boom 5" status=505', 'level=info msg="boom 4" status=504']);
      const f = await get('/loki/api/v1/query_range', {
        query: '{service_name="shop"} |= "boom"',
        ...window,
        limit: 1,
        direction: 'forward',
      });
      expect(f.body.data.result[0].values[0][1]).toBe('level=info msg="boom 0" status=500');
    });

    it('count_over_time, rate and sum by over a step grid', async () => {
      const r = await get('/loki/api/v1/query_range', {
        query: 'sum by (service_name) (count_over_time({service_name=~".+"} [1m]))',
        start: String((T0 + 60_000) / 1000),
        end: String((T0 + 120_000) / 1000),
        step: '30s',
      });
      expect(r.body.data.resultType).toBe('matrix');
      // (T0, T0+60s]: shop has lines at +5..+55 (5 boom/json lines after T0) plus +1 s and +20/40 json...
      const shop = r.body.data.result.find((s: Json) => s.metric.service_name === 'shop');
      expect(shop.values).toEqual([
        [(T0 + 60_000) / 1000, '7'],
        [(T0 + 90_000) / 1000, '6'],
        [(T0 + 120_000) / 1000, '6'],
      ]);
      const rate = await get('/loki/api/v1/query', {
        query: 'rate({service_name="shop"} |= "boom" [1m])',
        time: String((T0 + 60_000) / 1000),
      });
      expect(rate.body.data.resultType).toBe('vector');
      const total = rate.body.data.result.reduce((n: number, s: Json) => n + Number(s.value[1]), 0);
      expect(total).toBeCloseTo(3 / 60, 12);
      const byLevel = await get('/loki/api/v1/query', {
        query: 'sum by (level) (count_over_time({service_name="shop"} | logfmt [2m]))',
        time: String((T0 + 120_000) / 1000),
      });
      expect(
        Object.fromEntries(byLevel.body.data.result.map((s: Json) => [s.metric.level ?? '', Number(s.value[1])])),
      ).toEqual({ error: 3, info: 3, '': 7 });
    });

    it('labels, label values, series and index stats', async () => {
      const labels = await get('/loki/api/v1/labels', window);
      expect(labels.body.data).toEqual(expect.arrayContaining(['service_name', 'severity_text', 'trace_id']));
      const services = await get('/loki/api/v1/label/service_name/values', window);
      expect(services.body.data).toEqual(['billing', 'shop']);
      const series = await get('/loki/api/v1/series', { 'match[]': '{service_name="billing"}', ...window });
      expect(series.body.data).toEqual([{ code_function: 'handle', service_name: 'billing', severity_text: 'INFO' }]);
      const stats = await app.request(
        `/loki/api/v1/index/stats?${new URLSearchParams({ query: '{service_name="shop"}', ...window })}`,
      );
      expect(await stats.json()).toMatchObject({ entries: 13, streams: 3 });
    });

    it('answers bad_data with the reason for LogQL outside the subset', async () => {
      const bad = async (query: string, pattern: RegExp) => {
        const r = await get('/loki/api/v1/query_range', { query, ...window });
        expect(r.status, query).toBe(400);
        expect(r.body).toMatchObject({ status: 'error', errorType: 'bad_data' });
        expect(r.body.error, query).toMatch(pattern);
      };
      await bad('{service_name="shop"} | line_format "{{.msg}}"', /pipeline stage line_format/);
      await bad('bytes_over_time({service_name="shop"}[1m])', /range aggregation bytes_over_time/);
      await bad('{service_name="shop"} | json status="x"', /json with parameters/);
      await bad('topk(2, count_over_time({service_name="shop"}[1m]))', /aggregation topk/);
      await bad('{service_name="shop"', /parse error/);
      await bad('{service_name=""}', /at least one/);
      await bad('{service_name!="shop"}', /at least one/);
      await bad('{service_name="shop"} |~ "("', /regular expression/);
      const missing = await get('/loki/api/v1/query_range', window);
      expect(missing.body.error).toMatch(/query/);
    });
  });
}
