// The query HTTP API and the Jaeger API: every parameter validated (400 names it), responses match
// schemas/query-api, injection strings in every filter are plain values, the server keeps serving.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, type ServerStorage, startServer } from '../src/index.js';
import { encodeTraces, traceRequestObject } from './support/payloads.js';
import { validateResponse } from './support/schemas.js';
import { storageFactories } from './support/storages.js';

const quiet = { info() {}, warn() {}, error() {} };

for (const factory of storageFactories()) {
  describe(`query API over ${factory.name}`, () => {
    let storage: ServerStorage;
    let cleanup: () => Promise<void>;
    let server: RunningServer;
    const service = `qsvc-${randomBytes(4).toString('hex')}`;
    const traceId = randomBytes(16);
    const traceHex = traceId.toString('hex');

    beforeAll(async () => {
      ({ storage, cleanup } = await factory.open());
      server = await startServer({ storage, port: 0, logger: quiet });
      const res = await fetch(`${server.url}/v1/traces`, {
        method: 'POST',
        body: encodeTraces(traceRequestObject(service, 3, traceId)),
        headers: { 'content-type': 'application/x-protobuf' },
      });
      expect(res.status).toBe(200);
      const now = BigInt(Date.now()) * 1_000_000n;
      const logs = {
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
            scopeLogs: [
              {
                scope: { name: 'q' },
                logRecords: [
                  {
                    timeUnixNano: String(now),
                    severityNumber: 9,
                    body: { stringValue: 'hello world' },
                    traceId: traceHex,
                    attributes: [{ key: 'user', value: { stringValue: "o'brien" } }],
                  },
                  {
                    timeUnixNano: String(now + 1n),
                    severityNumber: 17,
                    body: { kvlistValue: { values: [{ key: 'err', value: { stringValue: 'boom' } }] } },
                  },
                ],
              },
            ],
          },
        ],
      };
      expect(
        (
          await fetch(`${server.url}/v1/logs`, {
            method: 'POST',
            body: JSON.stringify(logs),
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(200);
      const metrics = {
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
            scopeMetrics: [
              {
                scope: { name: 'q' },
                metrics: [
                  {
                    name: `${service}.gauge`,
                    unit: 'By',
                    gauge: {
                      dataPoints: [
                        {
                          timeUnixNano: String(now),
                          asDouble: 1.5,
                          attributes: [{ key: 'host', value: { stringValue: 'a' } }],
                        },
                      ],
                    },
                  },
                  {
                    name: `${service}.summary`,
                    summary: {
                      dataPoints: [
                        {
                          timeUnixNano: String(now),
                          count: '10',
                          sum: 55,
                          quantileValues: [
                            { quantile: 0.5, value: 5 },
                            { quantile: 0.99, value: 9.9 },
                          ],
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      };
      expect(
        (
          await fetch(`${server.url}/v1/metrics`, {
            method: 'POST',
            body: JSON.stringify(metrics),
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(200);
      await storage.forceFlush();
    });
    afterAll(async () => {
      await server?.close();
      await cleanup?.();
    });

    async function get(path: string) {
      const res = await fetch(server.url + path);
      return { status: res.status, body: (await res.json()) as any };
    }

    it('serves every endpoint in the documented shape', async () => {
      const health = await get('/healthz');
      expect(health.status).toBe(200);
      validateResponse('health', health.body);
      validateResponse('services', (await get('/telemetry/services')).body);
      validateResponse('operations', (await get(`/telemetry/services/${service}/operations`)).body);
      const traces = await get(
        `/telemetry/traces?service=${service}&limit=5&start=now-1h&end=now%2B1h&minDuration=1ms&maxDuration=1.5s`,
      );
      validateResponse('traces', traces.body);
      expect(traces.body.traces).toHaveLength(1);
      const trace = await get(`/telemetry/traces/${traceHex.toUpperCase()}`);
      validateResponse('trace', trace.body);
      expect(trace.body.spans).toHaveLength(3);
      expect(trace.body.spans[0].attributes.big).toBe('9007199254740993'); // bigint attribute -> string
      validateResponse('metricList', (await get('/telemetry/metrics')).body);
      const summary = await get(`/telemetry/metrics?name=${service}.summary&groupBy=quantile&aggregation=last`);
      validateResponse('metricSeries', summary.body);
      expect(summary.body.series.map((s: any) => [s.labels.quantile, s.points[0].value])).toEqual([
        [0.5, 5],
        [0.99, 9.9],
      ]);
      const count = await get(`/telemetry/metrics?name=${service}.summary_count&aggregation=last`);
      expect(count.body.series[0].points[0].value).toBe(10);
      const logs = await get(`/telemetry/logs?service=${service}&order=asc&limit=1`);
      validateResponse('logs', logs.body);
      expect(logs.body.logs).toHaveLength(1);
      expect(logs.body.nextCursor).toBeTypeOf('string');
      const next = await get(`/telemetry/logs?service=${service}&order=asc&limit=1&cursor=${logs.body.nextCursor}`);
      expect(next.body.logs[0].severityNumber).toBe(17);
      expect((await get(`/telemetry/logs?attr=user="o'brien"`)).body.logs).toHaveLength(1);
      expect((await get(`/telemetry/logs?minSeverity=error&service=${service}`)).body.logs).toHaveLength(1);
      // text is case-sensitive unless ignoreCase=true
      expect((await get(`/telemetry/logs?service=${service}&text=HELLO%20World`)).body.logs).toHaveLength(0);
      const folded = await get(`/telemetry/logs?service=${service}&text=HELLO%20World&ignoreCase=true`);
      expect(folded.body.logs.map((l: any) => l.body)).toEqual(['hello world']);
      expect((await get(`/telemetry/logs?service=${service}&text=BOOM&ignoreCase=false`)).body.logs).toHaveLength(0);
      expect((await get(`/telemetry/logs?service=${service}&text=BOOM&ignoreCase=true`)).body.logs).toHaveLength(1);
      validateResponse('stats', (await get('/telemetry/stats')).body);
      const missing = await get(`/telemetry/traces/${'0'.repeat(31)}1`);
      expect(missing.status).toBe(404);
      validateResponse('error', missing.body);
    });

    it('answers every bad parameter with 400 naming it', async () => {
      const cases: Array<[string, string]> = [
        ['/telemetry/traces?bogus=1', 'bogus'],
        ['/telemetry/traces?limit=0', 'limit'],
        ['/telemetry/traces?limit=1001', 'limit'],
        ['/telemetry/traces?limit=ten', 'limit'],
        ['/telemetry/traces?limit=1&limit=2', 'limit'],
        ['/telemetry/traces?status=broken', 'status'],
        ['/telemetry/traces?start=yesterday', 'start'],
        ['/telemetry/traces?end=2024-13-45T99:00:00Z', 'end'],
        ['/telemetry/traces?start=now-1h&end=now-2h', 'end'],
        ['/telemetry/traces?minDuration=fast', 'minDuration'],
        ['/telemetry/traces?maxDuration=-5ms', 'maxDuration'],
        ['/telemetry/traces?attr=novalue', 'attr'],
        ['/telemetry/traces?cursor=not-a-cursor', 'cursor'],
        ['/telemetry/traces/xyz', 'traceId'],
        ['/telemetry/services?x=1', 'x'],
        ['/telemetry/metrics?start=now-1h', 'name'],
        ['/telemetry/metrics?name=a&step=0', 'step'],
        ['/telemetry/metrics?name=a&step=1ns&start=now-1h', 'step'],
        ['/telemetry/metrics?name=a&aggregation=median', 'aggregation'],
        ['/telemetry/metrics?name=a&foo=bar', 'foo'],
        ['/telemetry/logs?minSeverity=LOUD', 'minSeverity'],
        ['/telemetry/logs?minSeverity=25', 'minSeverity'],
        ['/telemetry/logs?traceId=123', 'traceId'],
        ['/telemetry/logs?spanId=zzzzzzzzzzzzzzzz', 'spanId'],
        ['/telemetry/logs?order=sideways', 'order'],
        ['/telemetry/logs?text=a&ignoreCase=yes', 'ignoreCase'],
        ['/telemetry/logs?cursor=%%%', 'cursor'],
        ['/healthz?verbose=1', 'verbose'],
      ];
      for (const [path, parameter] of cases) {
        const res = await get(path);
        expect(res.status, path).toBe(400);
        validateResponse('error', res.body);
        expect(res.body.error.parameter, path).toBe(parameter);
      }
    });

    it('treats injection strings in every filter as plain values and keeps every row', async () => {
      const evil = [
        "' OR 1=1 --",
        '"; DROP TABLE spans; --',
        "x'); DELETE FROM logs; --",
        '" OR "1"="1',
        "' OR time > 0 --",
        '\\"; drop measurement spans',
        '|> drop(columns: ["_value"])',
        '/.*/',
        '%',
        '_',
        '*',
        '$(rm -rf /)',
        '\u0000',
        '\n; SELECT 1',
        '🙂 ünï',
      ];
      for (const s of evil) {
        const e = encodeURIComponent(s);
        const urls = [
          `/telemetry/traces?service=${e}`,
          `/telemetry/traces?name=${e}`,
          `/telemetry/traces?attr=${e}=${e}`,
          `/telemetry/traces?attr=http.route=${e}`,
          `/telemetry/services/${e}/operations`,
          `/telemetry/logs?text=${e}`,
          `/telemetry/logs?service=${e}`,
          `/telemetry/logs?attr=${e}=1`,
          `/telemetry/metrics?name=${e}`,
          `/telemetry/metrics?name=${service}.gauge&service=${e}`,
          `/telemetry/metrics?name=${service}.gauge&groupBy=${e}`,
          `/telemetry/metrics?name=${service}.gauge&attr=host=${e}`,
          `/api/traces?service=${e}`,
          `/api/traces?service=${service}&operation=${e}&tags=${encodeURIComponent(JSON.stringify({ [s]: s }))}`,
          `/api/services/${e}/operations`,
        ];
        for (const url of urls) {
          const res = await fetch(server.url + url);
          const body = (await res.json()) as any;
          expect([200, 404], `${url} -> ${JSON.stringify(body)}`).toContain(res.status);
          const list = body.traces ?? body.logs ?? body.series ?? body.operations ?? body.data;
          if (Array.isArray(list) && !url.includes('groupBy')) expect(list, url).toHaveLength(0);
        }
      }
      // Nothing was deleted or altered.
      expect((await get(`/telemetry/traces/${traceHex}`)).body.spans).toHaveLength(3);
      expect((await get(`/telemetry/logs?service=${service}`)).body.logs).toHaveLength(2);
      expect((await get('/healthz')).status).toBe(200);
    });

    it('serves the Jaeger API in the Jaeger UI shape', async () => {
      const services = await get('/api/services');
      validateResponse('jaeger', services.body);
      expect(services.body.data).toContain(service);
      const ops = await get(`/api/services/${service}/operations`);
      expect(ops.body.data).toEqual(['op-0', 'op-1', 'op-2']);
      const found = await get(
        `/api/traces?service=${service}&tags=${encodeURIComponent('{"http.route":"/r/1"}')}&limit=5&minDuration=500us&lookback=1h`,
      );
      validateResponse('jaeger', found.body);
      expect(found.body.data).toHaveLength(1);
      validateResponse('jaegerTrace', found.body.data[0]);
      const t = found.body.data[0];
      expect(t.traceID).toBe(traceHex);
      expect(t.spans).toHaveLength(3);
      expect(t.processes[t.spans[0].processID].serviceName).toBe(service);
      const errored = await get(`/api/traces?service=${service}&tags=${encodeURIComponent('{"error":"true"}')}`);
      expect(errored.body.data).toHaveLength(1);
      const one = await get(`/api/traces/${traceHex}`);
      expect(one.body.data[0].spans.find((s: any) => s.operationName === 'op-0').tags).toContainEqual({
        key: 'error',
        type: 'bool',
        value: true,
      });
      const none = await get(`/api/traces/${'1'.repeat(32)}`);
      expect(none.status).toBe(404);
      validateResponse('jaeger', none.body);
      // Jaeger reads only the parameters it knows (Go's FormValue): an unknown one is ignored, not refused.
      const extra = await get('/api/traces?service=x&unknown=1');
      expect(extra.status).toBe(200);
      expect(extra.body.data).toEqual([]);
    });
  });
}
