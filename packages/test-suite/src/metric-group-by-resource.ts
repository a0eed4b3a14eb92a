/**
 * Metric group-by over resource attributes: `groupBy: ['service.name']` splits the points of one metric reported by
 * several services into one series per service, as the reference does (a key the point's attributes lack is taken
 * from its resource). Checked only where the adapter declares `groupByResource`; others group by point attributes.
 */
import {
  createMemoryAdapter,
  type MetricQuery,
  normalizeMetricQuery,
  type TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import { makePoint, nowNano, runId, SECOND } from './fixtures.js';
import type { ConformanceOptions, SuiteApi } from './index.js';
import { openOwnAdapter } from './suite-context.js';

export function runMetricGroupByResourceTests(api: SuiteApi, options: ConformanceOptions): void {
  const { describe, it, expect } = api;
  const timeout = options.timeoutMs ?? 30_000;
  let adapter: TelemetryAdapter;
  describe(`${options.name}: metric group-by over resource attributes`, () => {
    openOwnAdapter(api, options, timeout, (a) => {
      adapter = a;
    });

    it(
      'splits one gauge reported by three services into one series per service.name, like the reference',
      async () => {
        const store = adapter.metrics;
        if (!store?.capabilities.groupByResource) {
          console.warn(`[conformance] ${options.name}: groupByResource not declared; resource group-by not checked`);
          return;
        }
        const name = `gauge.by.service.${runId()}`;
        const t0 = nowNano() - 120n * SECOND;
        const points = ['svc-a', 'svc-b', 'svc-c'].flatMap((service, i) =>
          [0n, 10n, 20n, 30n].map((k) =>
            makePoint({
              name,
              service,
              time: t0 + k * SECOND,
              value: (i + 1) * 100 + Number(k),
              // One point attribute shared by all: grouping by it alone would merge the services.
              attributes: { 'memory.type': 'heap' },
            }),
          ),
        );
        const r = await store.write(points);
        if (!r.ok) throw r.error;
        const ref = createMemoryAdapter();
        await ref.metrics!.write(points);
        for (const q of [
          { groupBy: ['service.name'], aggregation: 'avg' },
          { groupBy: ['service.name', 'memory.type'], aggregation: 'max' },
          { groupBy: ['memory.type'], aggregation: 'sum' },
        ] as Array<Pick<MetricQuery, 'groupBy' | 'aggregation'>>) {
          const query: MetricQuery = { name, start: t0 - SECOND, end: t0 + 60n * SECOND, stepNano: 60n * SECOND, ...q };
          const expected = await ref.metrics!.queryMetrics(normalizeMetricQuery(query));
          const actual = await store.queryMetrics(normalizeMetricQuery(query, store.capabilities));
          const shape = (list: typeof actual) =>
            list
              .map((s) => ({ labels: s.labels, points: s.points.map((p) => [String(p.timeUnixNano), p.value]) }))
              .sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
          expect(shape(actual)).toEqual(shape(expected));
          if (q.groupBy!.includes('service.name')) {
            expect(expected.map((s) => s.labels['service.name']).sort()).toEqual(['svc-a', 'svc-b', 'svc-c']);
          } else expect(expected.length).toBe(1);
        }
      },
      timeout,
    );
  });
}
