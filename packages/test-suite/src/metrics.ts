import {
  createMemoryAdapter,
  type MetricPoint,
  type MetricQuery,
  type MetricSeries,
  normalizeMetricQuery,
} from '@rohas/telemetry/adapter';
import { DAY, HOSTILE_STRINGS, makePoint, nowNano, runId, SECOND } from './fixtures.js';
import type { SuiteContext } from './suite-context.js';

/** The metric part of the conformance suite: round trips, queryMetrics against the reference, retention. */
export function metricTests(ctx: SuiteContext): void {
  const { it, expect, beforeAll } = ctx.api;
  const { options, timeout, open } = ctx;
  const adapter = ctx.adapter;
  const store = () => {
    const s = adapter().metrics;
    if (!s) throw new Error(`${options.name} has no metric store but the suite was asked to test metrics`);
    return s;
  };
  const write = async (points: MetricPoint[]) => {
    const r = await store().write(points);
    if (!r.ok) throw r.error;
  };
  async function both(
    points: MetricPoint[],
    q: MetricQuery,
  ): Promise<{ actual: MetricSeries[]; expected: MetricSeries[] } | undefined> {
    const caps = store().capabilities;
    const agg = q.aggregation ?? 'avg';
    if (!caps.aggregations.includes(agg)) {
      expect(() => normalizeMetricQuery(q, caps)).toThrow(/does not support aggregation/);
      return undefined;
    }
    const ref = createMemoryAdapter();
    await ref.metrics!.write(points);
    return {
      actual: await store().queryMetrics(normalizeMetricQuery(q, caps)),
      expected: await ref.metrics!.queryMetrics(normalizeMetricQuery(q)),
    };
  }
  const close = (actual: MetricSeries[], expected: MetricSeries[]) => {
    expect(actual.map((s) => s.labels)).toEqual(expected.map((s) => s.labels));
    actual.forEach((s, i) => {
      const e = expected[i]!;
      expect(s.name).toBe(e.name);
      expect(s.type).toBe(e.type);
      expect(s.points.map((p) => p.timeUnixNano)).toEqual(e.points.map((p) => p.timeUnixNano));
      s.points.forEach((p, j) => {
        expect(p.value).toBeCloseTo(e.points[j]!.value, 6);
      });
    });
  };

  const name = `m_${runId()}`;
  const hist = `h_${runId()}`;
  const service = runId();
  const t0 = (nowNano() / SECOND) * SECOND - 600n * SECOND;
  const points: MetricPoint[] = [];
  for (let i = 0; i < 30; i++) {
    for (const route of ['/a', '/b']) {
      points.push(
        makePoint({
          name,
          service,
          type: 'counter',
          time: t0 + BigInt(i) * 10n * SECOND + 7n,
          value: i * (route === '/a' ? 1 : 2) + 0.5,
          attributes: { route, code: i % 3 === 0 ? 500 : 200 },
        }),
      );
    }
    points.push(
      makePoint({
        name: hist,
        service,
        time: t0 + BigInt(i) * 10n * SECOND,
        histogram: {
          count: 10,
          sum: 10 * (i + 1),
          min: 1,
          max: 100,
          bounds: [5, 10, 25, 50, 100],
          counts: [1, 2, 3, i % 4, 4 - (i % 4), 0],
        },
        attributes: { route: '/a' },
      }),
    );
  }
  beforeAll(async () => {
    await write(points.slice(0, 40));
    await write(points.slice(40));
  }, timeout);
  const end = t0 + 600n * SECOND;

  it(
    'round-trips a point exactly: nanosecond time, typed labels, value',
    async () => {
      const n = `exact_${runId()}`;
      const t = nowNano();
      await write([
        makePoint({
          name: n,
          service,
          time: t,
          value: 1.125,
          attributes: { big: 9_007_199_254_740_993n, flag: true, s: 'x' },
        }),
      ]);
      const r = await store().queryMetrics(
        normalizeMetricQuery(
          {
            name: n,
            start: t,
            end: t + 1n,
            aggregation: store().capabilities.aggregations.includes('last') ? 'last' : 'avg',
          },
          store().capabilities,
        ),
      );
      expect(r.length).toBe(1);
      expect(r[0]!.labels).toEqual({ big: 9_007_199_254_740_993n, flag: true, s: 'x' });
      expect(r[0]!.points).toEqual([{ timeUnixNano: t, value: 1.125 }]);
      expect(r[0]!.type).toBe('gauge');
      expect(r[0]!.unit).toBe('ms');
      const miss = await store().queryMetrics(
        normalizeMetricQuery({ name: n, start: t + 1n, end: t + 2n }, store().capabilities),
      );
      expect(miss).toEqual([]);
    },
    timeout,
  );

  it(
    'lists metrics with description, unit and type',
    async () => {
      const list = await store().listMetrics();
      expect(list).toEqual(
        expect.arrayContaining([
          { name, description: `description of ${name}`, unit: 'ms', type: 'counter' },
          { name: hist, description: `description of ${hist}`, unit: 'ms', type: 'histogram' },
        ]),
      );
    },
    timeout,
  );

  for (const aggregation of ['sum', 'avg', 'min', 'max', 'count', 'last'] as const) {
    it(
      `aggregates with ${aggregation} per step and series as the reference`,
      async () => {
        const r = await both(points, { name, start: t0, end, stepNano: 60n * SECOND, aggregation });
        if (!r) return;
        expect(r.actual.length).toBe(4);
        expect(r.actual[0]!.points.length).toBe(5);
        close(r.actual, r.expected);
      },
      timeout,
    );
  }

  it(
    'groups by a label, merges all with an empty group-by',
    async () => {
      const caps = store().capabilities;
      if (!caps.groupBy) {
        expect(() => normalizeMetricQuery({ name, start: t0, end, groupBy: ['route'] }, caps)).toThrow(/group-by/);
        return;
      }
      const byRoute = await both(points, {
        name,
        start: t0,
        end,
        stepNano: 120n * SECOND,
        aggregation: 'sum',
        groupBy: ['route'],
      });
      if (!byRoute) return;
      expect(byRoute.actual.map((s) => s.labels)).toEqual([{ route: '/a' }, { route: '/b' }]);
      close(byRoute.actual, byRoute.expected);
      const all = await both(points, { name, start: t0, end, aggregation: 'max', groupBy: [] });
      if (!all) return;
      expect(all.actual.length).toBe(1);
      expect(all.actual[0]!.points).toEqual([{ timeUnixNano: t0, value: 29 * 2 + 0.5 }]);
    },
    timeout,
  );

  it(
    'filters by attributes and service',
    async () => {
      const r = await both(points, {
        name,
        start: t0,
        end,
        aggregation: 'count',
        attributes: { route: '/b', code: 500 },
        service,
        groupBy: [],
      });
      if (!r) return;
      expect(r.actual[0]!.points[0]!.value).toBe(10);
      close(r.actual, r.expected);
      const none = await store().queryMetrics(
        normalizeMetricQuery({ name, start: t0, end, service: runId() }, store().capabilities),
      );
      expect(none).toEqual([]);
    },
    timeout,
  );

  for (const aggregation of ['p50', 'p90', 'p99', 'sum', 'count', 'avg'] as const) {
    it(
      `answers ${aggregation} over histograms as the reference`,
      async () => {
        const r = await both(points, { name: hist, start: t0, end, stepNano: 100n * SECOND, aggregation });
        if (!r) return;
        expect(r.actual.length).toBe(1);
        expect(r.actual[0]!.points.length).toBe(3);
        close(r.actual, r.expected);
      },
      timeout,
    );
  }

  it(
    'stores hostile names and label values literally',
    async () => {
      for (const s of HOSTILE_STRINGS.slice(0, 6)) {
        const n = `hostile_${runId()}`;
        const t = nowNano();
        await write([
          makePoint({ name: n, service: s, time: t, value: 3, attributes: { label: s } }),
          makePoint({ name: n, service: s, time: t, value: 5, attributes: { label: `${s}x` } }),
        ]);
        const r = await store().queryMetrics(
          normalizeMetricQuery(
            { name: n, start: t, end: t + SECOND, service: s, attributes: { label: s } },
            store().capabilities,
          ),
        );
        expect(r.length).toBe(1);
        expect(r[0]!.labels).toEqual({ label: s });
        expect(r[0]!.points[0]!.value).toBe(3);
      }
    },
    timeout,
  );

  it(
    'retention removes old points and keeps new ones',
    async () => {
      const a = await open({ traces: 0, metrics: 1, logs: 0 });
      const n = `ret_${runId()}`;
      const now = nowNano();
      const r = await a.metrics!.write([
        makePoint({ name: n, time: now - 3n * DAY, value: 1 }),
        makePoint({ name: n, time: now - SECOND, value: 2 }),
      ]);
      expect(r.ok).toBe(true);
      const q = normalizeMetricQuery(
        { name: n, start: now - 4n * DAY, end: now, aggregation: 'count', groupBy: [] },
        a.metrics!.capabilities,
      );
      expect((await a.metrics!.queryMetrics(q))[0]!.points[0]!.value).toBe(2);
      await a.retention(now);
      expect((await a.metrics!.queryMetrics(q))[0]!.points[0]!.value).toBe(1);
    },
    timeout,
  );
}
