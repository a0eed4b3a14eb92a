import {
  createMemoryAdapter,
  type MetricPoint,
  normalizeRawPointQuery,
  type Page,
  type RawPointQuery,
  type TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import { HOSTILE_STRINGS, makePoint, newSpanId, newTraceId, nowNano, runId, SECOND } from './fixtures.js';
import type { ConformanceOptions, SuiteApi } from './index.js';
import { openOwnAdapter } from './suite-context.js';

/*
 * The raw point read (`MetricStore.readPoints`): every stored point comes back exactly as written — temporality,
 * monotonicity, histogram buckets, exponential histograms, exemplars, resource and scope — in time order, paged
 * without loss or duplicates at any page size. The PromQL API and lossless export/copy stand on it.
 */

/** One canonical text per point: keys sorted, absent optional parts and zero dropped counts left out, bigints tagged. */
export function canonicalPoint(p: MetricPoint): string {
  const tidy = (v: unknown): unknown => {
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`;
    if (Array.isArray(v)) return v.map(tidy);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || x === '' || (k === 'droppedAttributesCount' && x === 0)) continue;
        if (k === 'attributes' && x && typeof x === 'object' && Object.keys(x).length === 0) continue;
        out[k] = tidy(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(tidy(p));
}

/** Points of every shape the model has, under one fresh metric name prefix and service. */
export function fullPoints(prefix: string, service: string, t0: bigint): MetricPoint[] {
  const resource = {
    attributes: { 'service.name': service, 'host.name': 'h1', 'process.pid': 4242, big: 9_007_199_254_740_993n },
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  };
  const scope = { name: 'raw-points', version: '1.2.3', attributes: { 'scope.attr': true } };
  const exemplar = {
    timeUnixNano: t0 + 123_457n,
    value: 17.25,
    traceId: newTraceId(),
    spanId: newSpanId(),
    filteredAttributes: { 'user.id': 'u1', n: 3 },
  };
  const base = {
    description: 'raw point description',
    unit: 'ms',
    resource,
    scope,
    startTimeUnixNano: t0 - 60n * SECOND + 1n,
  };
  return [
    {
      ...base,
      name: `${prefix}.counter`,
      type: 'counter',
      temporality: 'cumulative',
      isMonotonic: true,
      attributes: { route: '/users', code: 200, ok: true, ratio: 0.5, tags: ['a', 'b'] },
      timeUnixNano: t0,
      value: 42,
      exemplars: [exemplar],
    },
    {
      ...base,
      name: `${prefix}.delta`,
      type: 'up_down_counter',
      temporality: 'delta',
      isMonotonic: false,
      attributes: { route: HOSTILE_STRINGS[1]! },
      timeUnixNano: t0 + 1n,
      value: -3.5,
    },
    {
      ...base,
      name: `${prefix}.gauge`,
      type: 'gauge',
      temporality: 'unspecified',
      attributes: { label: HOSTILE_STRINGS[0]! },
      timeUnixNano: t0 + 2n,
      value: Number.POSITIVE_INFINITY,
    },
    {
      ...base,
      name: `${prefix}.histogram`,
      type: 'histogram',
      temporality: 'cumulative',
      attributes: { route: '/orders' },
      timeUnixNano: t0 + 3n,
      histogram: { count: 6, sum: 123.5, min: 0.5, max: 80, bounds: [1, 10, 100], counts: [1, 2, 2, 1] },
      exemplars: [{ ...exemplar, value: 80 }],
    },
    {
      ...base,
      name: `${prefix}.exp`,
      type: 'exponential_histogram',
      temporality: 'delta',
      attributes: {},
      timeUnixNano: t0 + 4n,
      exponentialHistogram: {
        count: 5,
        sum: 12.5,
        min: 0.25,
        max: 7,
        scale: 2,
        zeroCount: 1,
        zeroThreshold: 0,
        positive: { offset: -1, bucketCounts: [1, 0, 3] },
        negative: { offset: 0, bucketCounts: [] },
      },
    },
  ];
}

export function runRawPointTests(api: SuiteApi, options: ConformanceOptions): void {
  const { describe, it, expect } = api;
  const timeout = options.timeoutMs ?? 30_000;
  if (options.signals?.metrics === false) return;
  let adapter: TelemetryAdapter;
  const notYet = options.notYet?.readPoints;
  if (notYet) {
    console.warn(
      `[rohas-telemetry] [test-suite] !!! ${options.name}: raw point read NOT TESTED — not implemented yet: ${notYet}`,
    );
    describe(`${options.name}: raw point read (readPoints) — not implemented yet: ${notYet}`, () => {
      it('really has no readPoints (remove notYet.readPoints once it does)', async () => {
        const a = await options.createAdapter({ retention: { traces: 0, metrics: 0, logs: 0 } });
        try {
          expect(a.metrics?.readPoints).toBeUndefined();
        } finally {
          await a.close();
        }
      });
    });
    return;
  }

  describe(`${options.name}: raw point read (readPoints)`, () => {
    openOwnAdapter(api, options, timeout, (a) => {
      adapter = a;
    });

    const store = () => {
      const m = adapter.metrics;
      if (!m) throw new Error(`${options.name} has no metric store but the suite was asked to test metrics`);
      if (!m.readPoints)
        throw new Error(`${options.name}'s metric store has no readPoints: every storing adapter must implement it`);
      return m as Required<typeof m>;
    };
    const write = async (points: MetricPoint[]) => {
      const r = await store().write(points);
      if (!r.ok) throw r.error;
    };
    /** Reads every page of a query; checks the pages are in time order and hold no point twice. */
    const readAll = async (q: RawPointQuery): Promise<{ items: MetricPoint[]; pages: number }> => {
      const items: MetricPoint[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page: Page<MetricPoint> = await store().readPoints(
          normalizeRawPointQuery({ ...q, ...(cursor ? { cursor } : {}) }, store().capabilities),
        );
        expect(page.items.length).toBeLessThanOrEqual(q.limit ?? 1000);
        items.push(...page.items);
        cursor = page.nextCursor;
        pages++;
        if (pages > 10_000) throw new Error('readPoints did not stop paging');
      } while (cursor);
      for (let i = 1; i < items.length; i++) expect(items[i]!.timeUnixNano >= items[i - 1]!.timeUnixNano).toBe(true);
      return { items, pages };
    };
    const sorted = (points: MetricPoint[]) => points.map(canonicalPoint).sort();

    it(
      'returns every point exactly as written: types, temporality, histograms, exemplars, resource and scope',
      async () => {
        const prefix = `raw_${runId()}`;
        const points = fullPoints(prefix, runId(), nowNano());
        await write(points);
        const { items } = await readAll({ names: points.map((p) => p.name) });
        expect(items.map(canonicalPoint)).toEqual(points.map(canonicalPoint));
        for (const p of items) {
          expect(typeof p.timeUnixNano).toBe('bigint');
          expect(typeof p.startTimeUnixNano).toBe('bigint');
        }
      },
      timeout,
    );

    it(
      'pages without loss or duplicates at any page size, ties included, and matches the reference',
      async () => {
        const name = `rawpage_${runId()}`;
        const service = runId();
        const t0 = nowNano();
        const points: MetricPoint[] = [];
        // 4 series, 12 times; several series share each timestamp, so pages split ties.
        for (let i = 0; i < 12; i++)
          for (let s = 0; s < 4; s++)
            points.push(
              makePoint({ name, service, time: t0 + BigInt(i) * 10n * SECOND, value: i * 10 + s, attributes: { s } }),
            );
        await write(points);
        const ref = createMemoryAdapter();
        await ref.metrics!.write(points);
        const expected = (await ref.metrics!.readPoints!(normalizeRawPointQuery({ names: [name], limit: 10_000 })))
          .items;
        expect(expected).toHaveLength(48);
        for (const limit of [1, 5, 7, 48, 1000]) {
          const { items, pages } = await readAll({ names: [name], limit });
          expect(sorted(items)).toEqual(sorted(expected));
          expect(items.map((p) => p.timeUnixNano)).toEqual(expected.map((p) => p.timeUnixNano));
          if (limit === 1) expect(pages).toBeGreaterThanOrEqual(48);
        }
      },
      timeout * 2,
    );

    it(
      'filters on time window (start inclusive, end exclusive), names, service and attributes',
      async () => {
        const a = `rawf_a_${runId()}`;
        const b = `rawf_b_${runId()}`;
        const svc = runId();
        const other = runId();
        const t0 = nowNano();
        const points = [
          makePoint({ name: a, service: svc, time: t0, value: 1, attributes: { k: 'x' } }),
          makePoint({ name: a, service: svc, time: t0 + SECOND, value: 2, attributes: { k: 'y' } }),
          makePoint({ name: a, service: other, time: t0 + 2n * SECOND, value: 3, attributes: { k: 'x' } }),
          makePoint({ name: b, service: svc, time: t0 + 3n * SECOND, value: 4, attributes: { k: 'x' } }),
          makePoint({
            name: b,
            service: svc,
            time: t0 + 4n * SECOND,
            value: 5,
            attributes: { k: HOSTILE_STRINGS[4]! },
          }),
        ];
        await write(points);
        const values = async (q: RawPointQuery) => (await readAll(q)).items.map((p) => p.value);
        expect(await values({ names: [a, b] })).toEqual([1, 2, 3, 4, 5]);
        expect(await values({ names: [a, b], start: t0 + SECOND, end: t0 + 3n * SECOND })).toEqual([2, 3]);
        expect(await values({ names: [a], service: svc })).toEqual([1, 2]);
        expect(await values({ names: [a, b], attributes: { k: 'x' } })).toEqual([1, 3, 4]);
        expect(await values({ names: [b], attributes: { k: HOSTILE_STRINGS[4]! } })).toEqual([5]);
        expect(await values({ names: [a, b], attributes: [{ key: 'k', op: '!=', value: 'x' }] })).toEqual([2, 5]);
        expect(await values({ names: [`${a}_none`] })).toEqual([]);
        // No name: every metric in the window (the export path).
        const all = await values({ start: t0, end: t0 + 5n * SECOND, service: svc });
        expect(all).toEqual([1, 2, 4, 5]);
      },
      timeout,
    );

    it(
      'refuses a bad page size and a tampered cursor with a query error',
      async () => {
        const name = `rawcur_${runId()}`;
        await write([makePoint({ name, time: nowNano(), value: 1 })]);
        expect(() => normalizeRawPointQuery({ limit: 0 })).toThrow(/limit/);
        expect(() => normalizeRawPointQuery({ limit: 10_001 })).toThrow(/limit/);
        await expect(
          store().readPoints(normalizeRawPointQuery({ names: [name], cursor: 'not-a-cursor!' }, store().capabilities)),
        ).rejects.toThrow(/cursor/);
      },
      timeout,
    );

    it(
      'keeps nanosecond times exact at the edges of the int64 range used by OTLP',
      async () => {
        const name = `rawns_${runId()}`;
        const t = 1_700_000_000_123_456_789n;
        await write([makePoint({ name, time: t, value: 1 }), makePoint({ name, time: t + 1n, value: 2 })]);
        const { items } = await readAll({ names: [name], start: t, end: t + 1n });
        expect(items.map((p) => p.timeUnixNano)).toEqual([t]);
        expect(items[0]!.startTimeUnixNano).toBe(t - 10n * SECOND);
      },
      timeout,
    );
  });
}
