// The Jaeger API v3 over HTTP, against every storing backend the server tests open: the requests recent Grafana
// (query.service_name + RFC 3339 query.start_time_min/max) and the Jaeger UI (/api/v3/services, /api/v3/operations)
// send, answered in Jaeger v2's shapes (apiv3/http_gateway.go; error cases in fixtures/jaeger/v3-errors.json).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jaegerAppOver } from './jaeger-app.js';
import type { JaegerDataset } from './jaeger-data.js';
import type { StorageFactory } from './storages.js';

const fixtures = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/jaeger/v3-errors.json', import.meta.url)), 'utf8'),
) as { cases: Array<{ path: string; status: number; body?: unknown; messagePrefix?: string }> };

const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

/** The contract over one storage (jaeger-v3.test.ts runs it on the server tests' storages; integration-tests on PostgreSQL, InfluxDB and ClickHouse). */
export function runJaegerV3Contract(factory: StorageFactory): void {
  describe(`Jaeger API v3 over ${factory.name}`, () => {
    let d: JaegerDataset;
    const request = jaegerAppOver(factory, 5, (data) => {
      d = data;
    });

    async function call(path: string) {
      const res = await request(path);
      return { status: res.status, body: (await res.json()) as any };
    }
    const window = () =>
      `query.start_time_min=${iso(d.t0 - 60_000_000_000n)}&query.start_time_max=${iso(d.t0 + 60_000_000_000n)}`;

    it('answers the error cases in the grpc-gateway shape', async () => {
      for (const c of fixtures.cases) {
        const r = await call(c.path.replace('{traceId}', 'f'.repeat(32)));
        expect(r.status, c.path).toBe(c.status);
        if (c.body) expect(r.body, c.path).toEqual(c.body);
        else {
          expect(r.body.error.httpCode, c.path).toBe(c.status);
          expect(r.body.error.message.startsWith(c.messagePrefix!), r.body.error.message).toBe(true);
        }
      }
    });

    it('lists services and operations with their span kind', async () => {
      const services = await call('/api/v3/services');
      expect(services.status).toBe(200);
      expect(services.body.services).toEqual(expect.arrayContaining([d.frontend, d.backend]));
      const ops = await call(`/api/v3/operations?service=${d.frontend}`);
      expect(ops.body).toEqual({
        operations: [
          { name: 'GET /checkout', spanKind: 'server' },
          { name: 'POST /charge', spanKind: 'client' },
        ],
      });
      const client = await call(`/api/v3/operations?service=${d.frontend}&span_kind=client`);
      expect(client.body.operations).toEqual([{ name: 'POST /charge', spanKind: 'client' }]);
      // Jaeger shows an unspecified kind as "internal"; 'tick' is INTERNAL (1) anyway.
      expect((await call(`/api/v3/operations?service=${d.many}`)).body.operations).toEqual([
        { name: 'tick', spanKind: 'internal' },
      ]);
    });

    it('returns one trace as OTLP/JSON under result', async () => {
      const r = await call(`/api/v3/traces/${d.traceId}`);
      expect(r.status).toBe(200);
      const spans = r.body.result.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
      expect(spans).toHaveLength(3);
      expect(new Set(spans.map((s: any) => s.traceId))).toEqual(new Set([d.traceId]));
      const root = spans.find((s: any) => s.name === 'GET /checkout');
      expect(root.startTimeUnixNano).toBe(d.t0.toString());
      expect(root.kind).toBe(2);
      expect(root.attributes).toContainEqual({ key: 'http.status_code', value: { intValue: '200' } });
      expect(root.events[0].attributes).toContainEqual({ key: 'cache.key', value: { stringValue: `cart-${d.run}` } });
      const services = r.body.result.resourceSpans.map(
        (rs: any) => rs.resource.attributes.find((a: any) => a.key === 'service.name').value.stringValue,
      );
      expect(services.sort()).toEqual([d.backend, d.frontend].sort());
      // A window that excludes every span finds nothing.
      const outside = await call(`/api/v3/traces/${d.traceId}?end_time=${iso(d.t0 - 1_000_000_000n)}`);
      expect(outside.status).toBe(404);
    });

    it('searches as Grafana does: query.service_name and an RFC 3339 window', async () => {
      const r = await call(`/api/v3/traces?query.service_name=${d.frontend}&${window()}`);
      expect(r.status).toBe(200);
      const ids = new Set(
        r.body.result.resourceSpans.flatMap((rs: any) =>
          rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => s.traceId)),
        ),
      );
      expect(ids).toEqual(new Set([d.traceId]));
      const many = await call(`/api/v3/traces?query.service_name=${d.many}&${window()}&query.search_depth=3`);
      expect(many.body.result.resourceSpans).toHaveLength(3);
      const legacyDepth = await call(`/api/v3/traces?query.service_name=${d.many}&${window()}&query.num_traces=2`);
      expect(legacyDepth.body.result.resourceSpans).toHaveLength(2);
      const op = encodeURIComponent('POST /charge');
      const slow = await call(
        `/api/v3/traces?query.service_name=${d.frontend}&query.operation_name=${op}&${window()}&query.duration_min=25ms`,
      );
      expect(slow.status).toBe(404);
      const fits = await call(
        `/api/v3/traces?query.service_name=${d.frontend}&query.operation_name=${op}&${window()}&query.duration_min=10ms&query.duration_max=1s&ignored=1`,
      );
      expect(fits.status).toBe(200);
    });
  });
}
