// The Jaeger query API v1 contract, against every storing backend the server tests open (memory reference + SQLite,
// and the ROHAS_SERVER_TEST_CONFIG one): the answers Jaeger gives for the same requests. Shapes and messages come from
// jaegertracing/jaeger cmd/query/app/http_handler.go, query_parser.go and their tests (cited per case in
// fixtures/jaeger/v1-errors.json and below); the requests are the ones jaeger-ui (src/api/jaeger.ts) and Grafana's
// Jaeger data source send.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jaegerAppOver } from './jaeger-app.js';
import type { JaegerDataset } from './jaeger-data.js';
import { validateResponse } from './schemas.js';
import type { StorageFactory } from './storages.js';

const fixtures = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/jaeger/v1-errors.json', import.meta.url)), 'utf8'),
) as { cases: Array<{ method: string; path: string; status: number; body: unknown }> };

const MANY = 130;

/** The contract over one storage (jaeger-v1.test.ts runs it on the server tests' storages; integration-tests on PostgreSQL, InfluxDB and ClickHouse). */
export function runJaegerV1Contract(factory: StorageFactory): void {
  describe(`Jaeger API v1 over ${factory.name}`, () => {
    let d: JaegerDataset;
    const request = jaegerAppOver(factory, MANY, (data) => {
      d = data;
    });

    async function call(path: string, method = 'GET') {
      const res = await request(path, { method });
      const text = await res.text();
      return { status: res.status, text, body: JSON.parse(text) };
    }
    async function ok(path: string) {
      const r = await call(path);
      expect(r.status, `${path} -> ${r.text}`).toBe(200);
      validateResponse('jaeger', r.body);
      return r.body;
    }
    const tags = (o: Record<string, string>) => encodeURIComponent(JSON.stringify(o));
    const found = async (query: string) =>
      ((await ok(`/api/traces?service=${d.frontend}&${query}`)).data as Array<{ traceID: string }>).map(
        (t) => t.traceID,
      );
    const backendFound = async (query: string) =>
      ((await ok(`/api/traces?service=${d.backend}&${query}`)).data as Array<{ traceID: string }>).map(
        (t) => t.traceID,
      );

    it('answers the fixed cases exactly as Jaeger (archive, metrics, errors)', async () => {
      for (const c of fixtures.cases) {
        const path = c.path.replace('{traceId}', 'f'.repeat(32));
        const r = await call(path, c.method);
        expect(r.status, `${c.method} ${path} -> ${r.text}`).toBe(c.status);
        expect(r.body, path).toEqual(c.body);
      }
    });

    it('computes dependencies from parent/child spans across services over endTs/lookback', async () => {
      const endTs = Number(d.t0 / 1_000_000n) + 1000;
      const deps = await ok(`/api/dependencies?endTs=${endTs}&lookback=3600000`);
      const mine = (deps.data as Array<{ parent: string; child: string; callCount: number }>).filter(
        (l) => l.parent.endsWith(d.run) || l.child.endsWith(d.run),
      );
      expect(mine).toEqual([{ parent: d.frontend, child: d.backend, callCount: 1 }]);
      const filtered = await ok(`/api/dependencies?endTs=${endTs}&lookback=3600000&service=${d.backend}`);
      expect(filtered.data).toEqual([{ parent: d.frontend, child: d.backend, callCount: 1 }]);
      // A window that ends before the trace sees nothing of it.
      const before = await ok(`/api/dependencies?endTs=${endTs - 3_600_000}&lookback=60000`);
      expect((before.data as Array<{ parent: string }>).filter((l) => l.parent === d.frontend)).toEqual([]);
      expect((await call('/api/dependencies?endTs=abc')).status).toBe(400);
    });

    it('lists operations with their span kind and filters by spanKind', async () => {
      const all = await ok(`/api/operations?service=${d.frontend}`);
      expect(all.data).toEqual([
        { name: 'GET /checkout', spanKind: 'server' },
        { name: 'POST /charge', spanKind: 'client' },
      ]);
      expect(all.total).toBe(2);
      const server = await ok(`/api/operations?service=${d.frontend}&spanKind=server`);
      expect(server.data).toEqual([{ name: 'GET /checkout', spanKind: 'server' }]);
      const legacy = await ok(`/api/services/${d.frontend}/operations`);
      expect(legacy.data).toEqual(['GET /checkout', 'POST /charge']);
    });

    it('ignores parameters it does not use and honours tag=key:value and prettyPrint', async () => {
      expect(await found(`tag=http.route:/checkout&unknownThing=1&lookback=1h`)).toEqual([d.traceId]);
      expect(await found(`tag=http.route:/nope`)).toEqual([]);
      const pretty = await call(`/api/services?prettyPrint=true`);
      expect(pretty.status).toBe(200);
      expect(pretty.text).toContain('\n    "data": [');
      const flat = await call(`/api/services?prettyPrint=false`);
      expect(flat.text.startsWith('{"data":')).toBe(true);
      expect((await call('/api/traces?service=x&tag=novalue')).status).toBe(400);
    });

    it('defaults to 100 traces and accepts the Jaeger UI maximum of 1500', async () => {
      const many = (q: string) => ok(`/api/traces?service=${d.many}${q}`);
      expect((await many('')).data).toHaveLength(100);
      expect((await many('&limit=1500')).data).toHaveLength(MANY);
      expect((await many('&limit=7')).data).toHaveLength(7);
      expect((await call(`/api/traces?service=${d.many}&limit=1501`)).status).toBe(400);
    });

    it('matches string tag values against attributes of any type, as Jaeger does', async () => {
      expect(await found(`tags=${tags({ 'http.status_code': '200' })}`)).toEqual([d.traceId]);
      expect(await found(`tags=${tags({ 'http.status_code': '201' })}`)).toEqual([]);
      // A string attribute that looks like a number is found by the same string.
      expect(await found(`tags=${tags({ 'order.id': '12345' })}`)).toEqual([d.traceId]);
      expect(await found(`tag=order.id:12345`)).toEqual([d.traceId]);
      expect(await found(`tags=${tags({ ratio: '0.25', cached: 'false' })}`)).toEqual([d.traceId]);
      expect(await backendFound(`tags=${tags({ 'payment.amount': '1999000000000000' })}`)).toEqual([d.traceId]);
      // One span must hold every tag (Jaeger's validSpan): these two are on different spans.
      expect(await found(`tags=${tags({ 'http.route': '/checkout', 'peer.service': d.backend })}`)).toEqual([]);
    });

    it('searches event attributes, process tags and the tags the server adds', async () => {
      expect(await found(`tags=${tags({ 'cache.key': `cart-${d.run}` })}`)).toEqual([d.traceId]);
      expect(await found(`tags=${tags({ tries: '3', event: 'cache.miss' })}`)).toEqual([d.traceId]);
      expect(await found(`tags=${tags({ 'host.name': 'web-1' })}`)).toEqual([d.traceId]);
      expect(await found(`tags=${tags({ 'span.kind': 'client' })}`)).toEqual([d.traceId]);
      expect(await found(`tags=${tags({ 'span.kind': 'producer' })}`)).toEqual([]);
      expect(await found(`tags=${tags({ 'otel.scope.name': 'frontend-http' })}`)).toEqual([d.traceId]);
      expect(await backendFound(`tags=${tags({ 'otel.status_code': 'ERROR' })}`)).toEqual([d.traceId]);
      expect(await backendFound(`tag=error:true`)).toEqual([d.traceId]);
      expect(await found(`tags=${tags({ 'otel.status_code': 'ERROR' })}`)).toEqual([]);
    });

    it('reports trace ids that are not found in errors[] next to the ones that are', async () => {
      const missing = 'e'.repeat(32);
      const r = await ok(`/api/traces?traceID=${d.traceId}&traceID=${missing}`);
      expect(r.data.map((t: { traceID: string }) => t.traceID)).toEqual([d.traceId]);
      expect(r.errors).toEqual([{ msg: 'trace not found', traceID: missing }]);
      expect((await call('/api/traces?traceID=xyz')).status).toBe(400);
    });

    it('refuses minDuration > maxDuration and filters by duration like Jaeger', async () => {
      expect((await call(`/api/traces?service=${d.frontend}&minDuration=2s&maxDuration=1s`)).status).toBe(400);
      expect(await found('minDuration=25ms&maxDuration=1s')).toEqual([d.traceId]);
      expect(await found('minDuration=31ms')).toEqual([]);
      expect(await found(`operation=${encodeURIComponent('POST /charge')}&maxDuration=18ms`)).toEqual([]);
      expect(await found(`operation=${encodeURIComponent('POST /charge')}&maxDuration=20ms`)).toEqual([d.traceId]);
    });

    it('keeps to the start/end window (microseconds)', async () => {
      const us = d.t0 / 1000n;
      expect(await found(`start=${us}&end=${us}`)).toEqual([d.traceId]);
      expect(await found(`start=${us + 1n}&end=${us + 500n}`)).toEqual([]);
      expect((await call(`/api/traces?service=${d.frontend}&start=soon`)).status).toBe(400);
    });
  });
}
