/**
 * queryMetrics at steps that are whole multiples of five minutes (where a backend may answer from a rollup or a
 * continuous aggregate instead of the raw points) gives the reference's answer: series with a gap, a series of one
 * point, points exactly on a bucket edge and one nanosecond before it, windows whose end is not on the step grid,
 * every aggregation the backend declares, grouped by a label, by every attribute and into one series.
 * Sums and averages are compared to 1e-9 relative (a rollup adds in another order); everything else exactly.
 */
import {
  createMemoryAdapter,
  type MetricPoint,
  type MetricQuery,
  type MetricSeries,
  normalizeMetricQuery,
  type TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import { makePoint, nowNano, runId, SECOND } from './fixtures.js';
import type { ConformanceOptions, SuiteApi } from './index.js';
import { openOwnAdapter } from './suite-context.js';

const MIN5 = 300n * SECOND;
const HOUR = 3600n * SECOND;

/** Two hours of gauge points from `t0` (a whole hour): gaps, one point, bucket edges. No two points share a time. */
export function rollupFixture(name: string, service: string, t0: bigint): MetricPoint[] {
  const points: MetricPoint[] = [];
  const add = (host: string, region: string, time: bigint, value: number) =>
    points.push(makePoint({ name, service, time, value, attributes: { host, region } }));
  // h1: every 37 s, with a 35-minute gap.
  for (let k = 0; k * 37 < 2 * 3600; k++) {
    const t = t0 + BigInt(k * 37) * SECOND + 3n;
    if (t >= t0 + 40n * 60n * SECOND && t < t0 + 75n * 60n * SECOND) continue;
    add('h1', 'r1', t, Math.sin(k) * 100 + 0.1);
  }
  // h2: one point, exactly on a five-minute edge.
  add('h2', 'r1', t0 + 60n * 60n * SECOND, 42.5);
  // h3: on every five-minute edge and one nanosecond before it.
  for (let k = 0; k <= 24; k++) {
    const edge = t0 + BigInt(k) * MIN5;
    add('h3', 'r2', edge, k * 1.5);
    if (k > 0) add('h3', 'r2', edge - 1n, -k - 0.25);
  }
  return points;
}

export function runMetricStepTests(api: SuiteApi, options: ConformanceOptions): void {
  const { describe, it, expect } = api;
  const timeout = options.timeoutMs ?? 30_000;
  let adapter: TelemetryAdapter;
  describe(`${options.name}: queryMetrics at five-minute multiples (rollup steps)`, () => {
    openOwnAdapter(api, options, timeout, (a) => {
      adapter = a;
    });

    it(
      'gives the reference answer for every declared aggregation, step and grouping',
      async () => {
        const store = adapter.metrics!;
        const name = `steps_${runId()}`;
        const service = runId();
        const t0 = ((nowNano() - 4n * HOUR) / HOUR) * HOUR;
        const points = rollupFixture(name, service, t0);
        const r = await store.write(points);
        if (!r.ok) throw r.error;
        const ref = createMemoryAdapter();
        await ref.metrics!.write(points);
        const caps = store.capabilities;
        let checked = 0;
        for (const aggregation of caps.aggregations.filter((a) => !a.startsWith('p')))
          for (const stepNano of [undefined, MIN5, 3n * MIN5, HOUR])
            for (const [start, end] of [
              [t0, t0 + 2n * HOUR],
              [t0 + MIN5, t0 + HOUR + 7n * SECOND],
            ] as Array<[bigint, bigint]>)
              for (const groupBy of [['region'], undefined, []]) {
                const q: MetricQuery = { name, service, start, end, aggregation, groupBy };
                if (stepNano) q.stepNano = stepNano;
                const label = `${aggregation} step ${stepNano} [${start - t0}, ${end - t0}) by ${JSON.stringify(groupBy)}`;
                const actual = await store.queryMetrics(normalizeMetricQuery(q, caps));
                const expected = await ref.metrics!.queryMetrics(normalizeMetricQuery(q));
                expectSame(expect, actual, expected, aggregation === 'sum' || aggregation === 'avg', label);
                checked++;
              }
        expect(checked).toBeGreaterThan(0);
      },
      timeout * 4,
    );
  });
}

function expectSame(
  expect: SuiteApi['expect'],
  actual: MetricSeries[],
  expected: MetricSeries[],
  loose: boolean,
  label: string,
): void {
  expect(
    actual.map((s) => [s.name, s.type, s.labels]),
    label,
  ).toEqual(expected.map((s) => [s.name, s.type, s.labels]));
  expected.forEach((e, i) => {
    const a = actual[i]!;
    expect(
      a.points.map((p) => p.timeUnixNano),
      label,
    ).toEqual(e.points.map((p) => p.timeUnixNano));
    e.points.forEach((p, j) => {
      const x = a.points[j]!.value;
      if (loose) expect(Math.abs(x - p.value), label).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(p.value)));
      else expect(x, label).toBe(p.value);
    });
  });
}
