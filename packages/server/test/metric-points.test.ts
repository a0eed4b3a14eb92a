// GET /telemetry/metrics/points: the stored points of one metric as written (readPoints), with exemplars and exact
// nanosecond times, attribute conditions as attr.<key>=<value>, paging, and every bad parameter named in the 400.
import { randomBytes } from 'node:crypto';
import type { MetricPoint } from '@rohas/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, type ServerStorage, startServer } from '../src/index.js';
import { validateResponse } from './support/schemas.js';
import { storageFactories } from './support/storages.js';

const quiet = { info() {}, warn() {}, error() {} };

interface JsonPoint {
  name: string;
  temporality: string;
  attributes: Record<string, unknown>;
  resource: { attributes: Record<string, unknown> };
  timeUnixNano: string;
  startTimeUnixNano: string;
  value?: number;
  histogram?: { count: number; bounds: number[]; counts: number[] };
  exemplars?: Array<{
    timeUnixNano: string;
    value: number;
    traceId?: string;
    spanId?: string;
    filteredAttributes: Record<string, unknown>;
  }>;
}

for (const factory of storageFactories()) {
  describe(`GET /telemetry/metrics/points over ${factory.name}`, () => {
    let storage: ServerStorage;
    let cleanup: () => Promise<void>;
    let server: RunningServer;
    const tag = randomBytes(4).toString('hex');
    const hist = `points.hist.${tag}`;
    const gauge = `points.gauge.${tag}`;
    // Nanosecond times that a double would round (…123 is not representable at this magnitude).
    const t0 = BigInt(Date.now() - 10 * 60_000) * 1_000_000n + 123n;
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const resource = { attributes: { 'service.name': `points-${tag}` } };
    const scope = { name: 'points-test' };

    const get = async (query: string) => {
      const res = await fetch(`${server.url}/telemetry/metrics/points?${query}`);
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };

    beforeAll(async () => {
      ({ storage, cleanup } = await factory.open());
      server = await startServer({ storage, port: 0, logger: quiet });
      const points: MetricPoint[] = [
        {
          name: hist,
          unit: 'ms',
          type: 'histogram',
          temporality: 'delta',
          attributes: { handler_name: 'GetUser' },
          resource,
          scope,
          startTimeUnixNano: t0 - 60_000_000_000n,
          timeUnixNano: t0,
          histogram: { count: 3, sum: 1250, min: 50, max: 1000, bounds: [100, 500], counts: [1, 1, 1] },
          exemplars: [
            {
              timeUnixNano: t0 - 7n,
              value: 1000,
              traceId,
              spanId,
              filteredAttributes: { 'http.route': '/users/:id', attempt: 2 },
            },
          ],
        },
      ];
      for (let i = 0; i < 5; i++)
        for (const kind of ['heap', 'rss'])
          points.push({
            name: gauge,
            unit: 'By',
            type: 'gauge',
            temporality: 'unspecified',
            attributes: { 'memory.type': kind },
            resource,
            scope,
            startTimeUnixNano: t0 + BigInt(i) * 1_000_000_000n,
            timeUnixNano: t0 + BigInt(i) * 1_000_000_000n,
            value: i * 10 + (kind === 'heap' ? 1 : 2),
          });
      const r = storage.ingestMetrics(points);
      expect(r).toMatchObject({ accepted: points.length });
      await storage.forceFlush();
    });

    afterAll(async () => {
      await server?.close();
      await cleanup?.();
    });

    it('returns a histogram point with its buckets and its exemplar, times exact, trace and span ids kept', async () => {
      const { status, body } = await get(`name=${hist}&start=now-1h`);
      expect(status).toBe(200);
      validateResponse('metricPoints', body);
      const points = body.points as JsonPoint[];
      expect(points).toHaveLength(1);
      const p = points[0]!;
      expect([p.timeUnixNano, p.startTimeUnixNano]).toEqual([String(t0), String(t0 - 60_000_000_000n)]);
      expect(p.temporality).toBe('delta');
      expect(p.histogram).toMatchObject({ count: 3, bounds: [100, 500], counts: [1, 1, 1] });
      expect(p.resource.attributes['service.name']).toBe(`points-${tag}`);
      expect(p.exemplars).toEqual([
        {
          timeUnixNano: String(t0 - 7n),
          value: 1000,
          traceId,
          spanId,
          filteredAttributes: { 'http.route': '/users/:id', attempt: 2 },
        },
      ]);
    });

    it('filters by attr.<key>=<value> and pages in time order with the cursor, each point once', async () => {
      const all = await get(`name=${gauge}&start=now-1h`);
      expect((all.body.points as JsonPoint[]).length).toBe(10);
      const seen: JsonPoint[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const { status, body } = await get(
          `name=${gauge}&start=now-1h&attr.memory.type=heap&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(status).toBe(200);
        validateResponse('metricPoints', body);
        expect((body.points as JsonPoint[]).length).toBeLessThanOrEqual(2);
        seen.push(...(body.points as JsonPoint[]));
        cursor = body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen.map((p) => [p.attributes['memory.type'], p.value])).toEqual([
        ['heap', 1],
        ['heap', 11],
        ['heap', 21],
        ['heap', 31],
        ['heap', 41],
      ]);
      expect(seen.map((p) => p.timeUnixNano)).toEqual(
        [0, 1, 2, 3, 4].map((i) => String(t0 + BigInt(i) * 1_000_000_000n)),
      );
      // A condition no point meets, and a typed value (a number is not the string "1").
      expect((await get(`name=${gauge}&start=now-1h&attr.memory.type=stack`)).body.points).toEqual([]);
      expect((await get(`name=${hist}&start=now-1h&attr.handler_name=GetUser`)).body.points).toHaveLength(1);
    });

    it('names the parameter of every bad request', async () => {
      const cases: Array<[string, string]> = [
        ['start=now-1h', 'name'],
        [`name=${gauge}&limit=0`, 'limit'],
        [`name=${gauge}&limit=10001`, 'limit'],
        [`name=${gauge}&start=yesterday`, 'start'],
        [`name=${gauge}&start=now&end=now-1h`, 'start'],
        [`name=${gauge}&attr.=1`, 'attr.'],
        [`name=${gauge}&attr.x=1&attr.x=2`, 'attr.x'],
        [`name=${gauge}&groupBy=x`, 'groupBy'],
        [`name=${gauge}&cursor=not-a-cursor`, 'cursor'],
      ];
      for (const [query, parameter] of cases) {
        const { status, body } = await get(query);
        expect([query, status, body.error?.parameter]).toEqual([query, 400, parameter]);
        validateResponse('error', body);
      }
    });
  });
}
