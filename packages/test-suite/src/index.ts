import {
  type AttributeFilter,
  createMemoryAdapter,
  type LogQuery,
  type LogRecord,
  type MetricPoint,
  type MetricQuery,
  type MetricSeries,
  normalizeLogQuery,
  normalizeMetricQuery,
  normalizeTraceQuery,
  type SignalRetention,
  type SpanRecord,
  type TelemetryAdapter,
  type TraceQuery,
  type TraceSummary,
} from '@rohas/telemetry/adapter';
import { canonicalLog, canonicalSpan } from './canonical.js';
import {
  DAY,
  HOSTILE_STRINGS,
  MS,
  makeFullLog,
  makeFullSpan,
  makeLog,
  makePoint,
  makeSpan,
  newSpanId,
  newTraceId,
  nowNano,
  runId,
  SECOND,
} from './fixtures.js';
import { runPoisonTests } from './poison.js';

import { runRawPointTests } from './raw-points.js';

export { canonicalLog, canonicalSpan } from './canonical.js';
export * from './fixtures.js';
export { runPoisonTests } from './poison.js';

/** The parts of a test runner the suite uses (vitest's or a compatible one). */
export interface SuiteApi {
  describe: (name: string, fn: () => void) => void;
  it: (name: string, fn: () => Promise<void> | void, timeout?: number) => void;
  // biome-ignore lint/suspicious/noExplicitAny: the runner's own expect type differs between runners
  expect: any;
  beforeAll: (fn: () => Promise<void> | void, timeout?: number) => void;
  afterAll: (fn: () => Promise<void> | void, timeout?: number) => void;
}

export interface ConformanceOptions {
  /** Shown in test names, e.g. `sqlite` or `timescaledb (hypertables)`. */
  name: string;
  /** Returns a fresh adapter, not yet initialised. It may share its database with earlier adapters. */
  createAdapter: (context: { retention: SignalRetention }) => TelemetryAdapter | Promise<TelemetryAdapter>;
  /** Signals to test; default every part the adapter has. */
  signals?: { traces?: boolean; metrics?: boolean; logs?: boolean };
  /** Per-test timeout in ms for slow remote backends; default 30,000. */
  timeoutMs?: number;
}

const KEEP: SignalRetention = { traces: 0, metrics: 0, logs: 0 };

/**
 * Runs the conformance suite: every adapter must store what it is given losslessly and answer every query with the
 * reference adapter's result. Queries are checked against the adapter's declared capabilities first, as the core
 * does; a filter the adapter does not declare must be rejected, never approximated.
 */
export function runConformanceSuite(api: SuiteApi, options: ConformanceOptions): void {
  const { describe, it, expect, beforeAll, afterAll } = api;
  const timeout = options.timeoutMs ?? 30_000;
  const adapters: TelemetryAdapter[] = [];
  let adapter: TelemetryAdapter;

  async function open(retention: SignalRetention): Promise<TelemetryAdapter> {
    const a = await options.createAdapter({ retention });
    await a.init();
    adapters.push(a);
    return a;
  }

  describe(`${options.name}: conformance`, () => {
    beforeAll(async () => {
      adapter = await open(KEEP);
    }, timeout * 2);
    afterAll(async () => {
      for (const a of adapters.splice(0)) await a.close();
    }, timeout);

    it('reports health', async () => {
      const h = await adapter.health();
      expect(h.ok).toBe(true);
      expect(typeof h.message).toBe('string');
    });

    const wants = (signal: 'traces' | 'metrics' | 'logs') => options.signals?.[signal] ?? true;

    if (wants('traces')) describe('traces', () => traceTests());
    if (wants('metrics')) describe('metrics', () => metricTests());
    if (wants('logs')) describe('logs', () => logTests());
  });
  if (options.signals?.metrics ?? true) runRawPointTests(api, options);
  runPoisonTests(api, options);

  // -------------------------------------------------------------------------------------------------------------------
  function traceTests(): void {
    const store = () => {
      if (!adapter.traces) throw new Error(`${options.name} has no trace store but the suite was asked to test traces`);
      return adapter.traces;
    };
    const write = async (spans: SpanRecord[]) => {
      const r = await store().write(spans);
      if (!r.ok) throw r.error;
    };
    /** Runs a query on the adapter and on a reference adapter holding the same spans; returns both. */
    async function both(spans: SpanRecord[], q: TraceQuery) {
      const ref = createMemoryAdapter();
      await ref.traces!.write(spans);
      const caps = store().capabilities;
      const actual = await store().findTraces(normalizeTraceQuery(q, caps));
      const expected = await ref.traces!.findTraces(normalizeTraceQuery(q));
      return { actual, expected };
    }
    const ids = (items: TraceSummary[]) => items.map((t) => t.traceId);
    const supports = (op: AttributeFilter['op']) => store().capabilities.attributeOperators.includes(op);

    it(
      'round-trips every field of a span exactly (bigint ns, typed attributes, events, links, 64 KiB strings)',
      async () => {
        const span = makeFullSpan(runId());
        await write([span]);
        const got = await store().getTrace(span.traceId);
        expect(got).not.toBeNull();
        expect(got!.length).toBe(1);
        const back = got![0]!;
        expect(typeof back.startTimeUnixNano).toBe('bigint');
        expect(back.startTimeUnixNano).toBe(span.startTimeUnixNano);
        expect(back.endTimeUnixNano).toBe(span.endTimeUnixNano);
        expect(back.attributes['big.int']).toBe(9_007_199_254_740_993n);
        expect(back.attributes.int).toBe(42);
        expect(back.attributes.bytes).toEqual(new Uint8Array([0, 1, 2, 254, 255]));
        expect((back.attributes.long as string).length).toBe(64 * 1024);
        expect(canonicalSpan(back)).toEqual(canonicalSpan(span));
      },
      timeout,
    );

    it(
      'returns null for an unknown trace',
      async () => {
        expect(await store().getTrace(newTraceId())).toBeNull();
      },
      timeout,
    );

    it(
      'assembles a trace written across batches, ordered by start time',
      async () => {
        const service = runId();
        const traceId = newTraceId();
        const t0 = nowNano();
        const root = makeSpan({ traceId, service, name: 'root', start: t0, durationNano: 100n * MS });
        const kids = [3n, 1n, 2n].map((n) =>
          makeSpan({
            traceId,
            service,
            name: `child-${n}`,
            parentSpanId: root.spanId,
            start: t0 + n * MS,
            durationNano: MS,
          }),
        );
        await write([kids[0]!]);
        await write([root, kids[1]!]);
        await write([kids[2]!]);
        const got = await store().getTrace(traceId);
        expect(got!.map((s) => s.name)).toEqual(['root', 'child-1', 'child-2', 'child-3']);
        expect(got!.filter((s) => s.parentSpanId === root.spanId).length).toBe(3);
      },
      timeout,
    );

    it(
      're-writing the same span stores it once',
      async () => {
        const span = makeSpan({ service: runId() });
        await write([span]);
        await write([span, structuredClone(span)]);
        await write([span]);
        expect((await store().getTrace(span.traceId))!.length).toBe(1);
      },
      timeout,
    );

    it(
      'keeps every span from concurrent writers',
      async () => {
        const service = runId();
        const traceId = newTraceId();
        const t0 = nowNano();
        const batches = Array.from({ length: 8 }, (_, b) =>
          Array.from({ length: 50 }, (_, i) =>
            makeSpan({ traceId, service, name: `w${b}`, start: t0 + BigInt(b * 50 + i) * 1000n }),
          ),
        );
        const results = await Promise.all(batches.map((batch) => store().write(batch)));
        expect(results.every((r) => r.ok)).toBe(true);
        const got = await store().getTrace(traceId);
        expect(got!.length).toBe(400);
        expect(new Set(got!.map((s) => s.spanId)).size).toBe(400);
        const page = await store().findTraces(normalizeTraceQuery({ service }, store().capabilities));
        expect(page.items.length).toBe(1);
        expect(page.items[0]!.spanCount).toBe(400);
      },
      timeout,
    );

    describe('findTraces', () => {
      const service = runId();
      const other = runId();
      const t0 = nowNano() - 60n * SECOND;
      const spans: SpanRecord[] = [];
      const traceIds: string[] = [];
      // Twelve traces, a root and two children each, with varied names, durations, statuses and attributes.
      for (let i = 0; i < 12; i++) {
        const traceId = newTraceId();
        traceIds.push(traceId);
        const start = t0 + BigInt(i) * SECOND;
        const root = makeSpan({
          traceId,
          service,
          name: i % 3 === 0 ? 'GET /users' : 'POST /orders',
          start,
          durationNano: BigInt(10 + i * 10) * MS,
          status: i % 4 === 0 ? 2 : 1,
          attributes: {
            'http.route': i % 3 === 0 ? '/users' : '/orders',
            'http.status_code': i % 4 === 0 ? 500 : 200,
            'http.status_text': i % 4 === 0 ? '500' : '200',
            'user.id': `user-${i}`,
            retry: i % 2 === 0,
            ...(i % 5 === 0 ? { 'feature.flag': 'beta' } : {}),
          },
        });
        spans.push(root);
        spans.push(
          makeSpan({
            traceId,
            service: i % 2 ? other : service,
            name: 'db.query',
            parentSpanId: root.spanId,
            start: start + MS,
            durationNano: 2n * MS,
            attributes: { 'db.system': 'postgresql' },
          }),
          makeSpan({
            traceId,
            service,
            name: 'cache.get',
            parentSpanId: root.spanId,
            start: start + 3n * MS,
            durationNano: MS,
            status: i === 7 ? 2 : 0,
            attributes: { 'cache.hit': i % 2 === 0 },
          }),
        );
      }
      beforeAll(async () => {
        await write(spans.slice(0, 18));
        await write(spans.slice(18));
      }, timeout);

      const cases: Array<[string, TraceQuery, ((ids: string[]) => void)?]> = [
        ['service', { service }, (r) => expect(r.length).toBe(12)],
        [
          'service of a child span',
          { service: other },
          (r) => expect(r.sort()).toEqual(traceIds.filter((_, i) => i % 2).sort()),
        ],
        ['span name', { service, name: 'GET /users' }, (r) => expect(r.length).toBe(4)],
        [
          'typed attribute equality (number)',
          { service, attributes: { 'http.status_code': 500 } },
          (r) => expect(r.length).toBe(3),
        ],
        [
          'a number does not match a string',
          { service, attributes: { 'http.status_code': '500' } },
          (r) => expect(r.length).toBe(0),
        ],
        [
          'a string does not match a number',
          { service, attributes: { 'http.status_text': 500 } },
          (r) => expect(r.length).toBe(0),
        ],
        ['boolean attribute', { service, attributes: { retry: true } }, (r) => expect(r.length).toBe(6)],
        [
          'two attributes on the same span',
          { service, attributes: { 'http.route': '/users', 'http.status_code': 500 } },
          (r) => expect(r).toEqual([traceIds[0]]),
        ],
        [
          'attributes on different spans do not combine',
          { service, attributes: { 'http.route': '/users', 'db.system': 'postgresql' } },
          (r) => expect(r.length).toBe(0),
        ],
        [
          'resource attribute',
          { service, attributes: { 'service.name': service, 'user.id': 'user-3' } },
          (r) => expect(r).toEqual([traceIds[3]]),
        ],
        ['min duration', { service, minDurationNano: 100n * MS }, (r) => expect(r.length).toBe(3)],
        ['max duration', { service, name: 'GET /users', maxDurationNano: 40n * MS }, (r) => expect(r.length).toBe(2)],
        [
          'duration range',
          { service, minDurationNano: 50n * MS, maxDurationNano: 70n * MS },
          (r) => expect(r.length).toBe(3),
        ],
        ['status error', { service, status: 'error' }, (r) => expect(r.length).toBe(4)],
        ['status ok', { service, status: 'ok', name: 'GET /users' }, (r) => expect(r.length).toBe(3)],
        ['status unset', { service, status: 'unset', name: 'cache.get' }, (r) => expect(r.length).toBe(11)],
        [
          'time window',
          { service, start: t0 + 2n * SECOND, end: t0 + 5n * SECOND, name: 'POST /orders' },
          (r) => expect(r.sort()).toEqual([traceIds[2], traceIds[4]].sort()),
        ],
        ['empty window', { service, start: t0 - 10n * SECOND, end: t0 - 5n * SECOND }, (r) => expect(r.length).toBe(0)],
      ];
      for (const [label, q, check] of cases) {
        it(
          `filters by ${label} exactly as the reference`,
          async () => {
            const { actual, expected } = await both(spans, q);
            expect(ids(actual.items)).toEqual(ids(expected.items));
            check?.(ids(actual.items));
          },
          timeout,
        );
      }

      const opCases: Array<[string, AttributeFilter[], number, string?]> = [
        ['!=', [{ key: 'http.route', op: '!=', value: '/users' }], 8, 'POST /orders'],
        ['!= on a missing key', [{ key: 'feature.flag', op: '!=', value: 'beta' }], 12],
        ['exists', [{ key: 'feature.flag', op: 'exists' }], 3],
        ['wildcard', [{ key: 'user.id', op: 'wildcard', value: 'user-1*' }], 3],
        ['wildcard ?', [{ key: 'user.id', op: 'wildcard', value: 'user-?' }], 10],
        ['regex', [{ key: 'user.id', op: 'regex', value: '^user-(2|3)$' }], 2],
      ];
      for (const [label, filters, count, spanName] of opCases) {
        it(
          `attribute operator ${label}: as the reference, or rejected when undeclared`,
          async () => {
            const op = filters[0]!.op;
            if (!supports(op)) {
              expect(() => normalizeTraceQuery({ service, attributes: filters }, store().capabilities)).toThrow(
                /does not support attribute operator/,
              );
              return;
            }
            const { actual, expected } = await both(spans, {
              service,
              attributes: filters,
              ...(spanName ? { name: spanName } : {}),
            });
            expect(ids(actual.items)).toEqual(ids(expected.items));
            // Root spans are the only ones with these keys; `!=` on a missing key also matches the children.
            expect(actual.items.length).toBe(count);
          },
          timeout,
        );
      }

      it(
        'orders by latest matching span, newest first, and summarises each trace',
        async () => {
          const { actual, expected } = await both(spans, { service, name: 'GET /users' });
          expect(actual.items).toEqual(expected.items);
          expect(ids(actual.items)).toEqual([traceIds[9], traceIds[6], traceIds[3], traceIds[0]]);
          const first = actual.items[0]!;
          expect(first.spanCount).toBe(3);
          expect(first.rootSpanName).toBe('GET /users');
          expect(first.rootServiceName).toBe(service);
          expect(first.durationNano).toBe(100n * MS);
          expect(first.startTimeUnixNano).toBe(t0 + 9n * SECOND);
          expect(first.services).toEqual([service, other].sort());
          expect(actual.items.find((t) => t.traceId === traceIds[0])!.errorCount).toBe(1);
        },
        timeout,
      );

      it(
        'pages with a cursor: every trace once, in order',
        async () => {
          const caps = store().capabilities;
          if (!caps.paging) {
            expect(() => normalizeTraceQuery({ service, cursor: 'x' }, caps)).toThrow(/no paging/);
            return;
          }
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let page = 0; page < 10; page++) {
            const r = await store().findTraces(
              normalizeTraceQuery({ service, limit: 5, ...(cursor ? { cursor } : {}) }, caps),
            );
            seen.push(...ids(r.items));
            cursor = r.nextCursor;
            if (!cursor) break;
          }
          expect(seen).toEqual([...traceIds].reverse());
        },
        timeout,
      );

      it(
        'lists services and operations',
        async () => {
          const services = await store().listServices();
          expect(services).toEqual(expect.arrayContaining([service, other]));
          expect(await store().listOperations(service)).toEqual(
            ['GET /users', 'POST /orders', 'cache.get', 'db.query'].sort(),
          );
          expect(await store().listOperations(other)).toEqual(['db.query']);
        },
        timeout,
      );
    });

    it(
      'stores hostile strings literally and matches them only literally',
      async () => {
        const service = runId();
        const spans = HOSTILE_STRINGS.map((s, i) =>
          makeSpan({ service, name: s, start: nowNano() + BigInt(i), attributes: { hostile: s, [`key ${s}`]: i } }),
        );
        const decoy = makeSpan({ service, name: 'perXcentYunder', attributes: { hostile: 'perXcentYunder' } });
        await write([...spans, decoy]);
        for (const [i, s] of HOSTILE_STRINGS.entries()) {
          const got = await store().getTrace(spans[i]!.traceId);
          expect(got![0]!.name).toBe(s);
          expect(got![0]!.attributes.hostile).toBe(s);
          expect(got![0]!.attributes[`key ${s}`]).toBe(i);
          const byName = await store().findTraces(normalizeTraceQuery({ service, name: s }, store().capabilities));
          expect(ids(byName.items)).toEqual([spans[i]!.traceId]);
          const byAttr = await store().findTraces(
            normalizeTraceQuery({ service, attributes: { hostile: s } }, store().capabilities),
          );
          expect(ids(byAttr.items)).toEqual([spans[i]!.traceId]);
          const byKey = await store().findTraces(
            normalizeTraceQuery({ service, attributes: { [`key ${s}`]: i } }, store().capabilities),
          );
          expect(ids(byKey.items)).toEqual([spans[i]!.traceId]);
        }
        if (supports('wildcard')) {
          const r = await store().findTraces(
            normalizeTraceQuery(
              { service, attributes: [{ key: 'hostile', op: 'wildcard', value: 'per%cent*' }] },
              store().capabilities,
            ),
          );
          expect(r.items.length).toBe(1);
        }
        expect((await store().listOperations(service)).length).toBe(HOSTILE_STRINGS.length + 1);
      },
      timeout,
    );

    it(
      'retention removes old spans and keeps new ones',
      async () => {
        const a = await open({ traces: 1, metrics: 0, logs: 0 });
        const service = runId();
        const now = nowNano();
        const old = makeSpan({ service, start: now - 3n * DAY });
        const fresh = makeSpan({ service, start: now - 60n * SECOND });
        const r = await a.traces!.write([old, fresh]);
        expect(r.ok).toBe(true);
        expect(await a.traces!.getTrace(old.traceId)).not.toBeNull();
        await a.retention(now);
        expect(await a.traces!.getTrace(old.traceId)).toBeNull();
        expect(await a.traces!.getTrace(fresh.traceId)).not.toBeNull();
      },
      timeout,
    );
  }

  // -------------------------------------------------------------------------------------------------------------------
  function metricTests(): void {
    const store = () => {
      if (!adapter.metrics)
        throw new Error(`${options.name} has no metric store but the suite was asked to test metrics`);
      return adapter.metrics;
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

  // -------------------------------------------------------------------------------------------------------------------
  function logTests(): void {
    const store = () => {
      if (!adapter.logs) throw new Error(`${options.name} has no log store but the suite was asked to test logs`);
      return adapter.logs;
    };
    const write = async (records: LogRecord[]) => {
      const r = await store().write(records);
      if (!r.ok) throw r.error;
    };
    const query = (q: LogQuery) => store().queryLogs(normalizeLogQuery(q, store().capabilities));

    it(
      'round-trips every field of a log record exactly',
      async () => {
        const log = makeFullLog(runId());
        await write([log]);
        const r = await query({ traceId: log.traceId! });
        expect(r.items.length).toBe(1);
        const back = r.items[0]!;
        expect(back.timeUnixNano).toBe(log.timeUnixNano);
        expect(canonicalLog(back)).toEqual(canonicalLog(log));
      },
      timeout,
    );

    it(
      'round-trips scalar bodies with their type',
      async () => {
        const service = runId();
        const bodies = [42, 2.5, true, 'plain', '', 7n, null, ['x', 1]] as const;
        const t = nowNano();
        await write(
          bodies.map((body, i) => makeLog({ service, body: body as LogRecord['body'], time: t + BigInt(i) })),
        );
        const r = await query({ service, order: 'asc' });
        expect(r.items.map((l) => l.body)).toEqual([...bodies]);
      },
      timeout,
    );

    describe('queryLogs', () => {
      const service = runId();
      const traceId = newTraceId();
      const spanId = newSpanId();
      const t0 = nowNano() - 120n * SECOND;
      const logs: LogRecord[] = [];
      for (let i = 0; i < 30; i++) {
        logs.push(
          makeLog({
            service,
            time: t0 + BigInt(i) * SECOND,
            severity: [5, 9, 13, 17][i % 4]!,
            body: i % 5 === 0 ? { message: `structured ${i}`, code: i } : `line ${i} user-${i % 7} 100%_done`,
            ...(i % 3 === 0 ? { traceId, spanId } : {}),
            attributes: { i, handler: i % 2 ? 'CreateUser' : 'DeleteUser' },
          }),
        );
      }
      // Five records at the same nanosecond, to prove paging breaks ties without losing or repeating any.
      for (let j = 0; j < 5; j++)
        logs.push(makeLog({ service, time: t0 + 100n * SECOND, body: `tie ${j}`, attributes: { i: 100 + j } }));
      beforeAll(async () => {
        await write(logs.slice(0, 20));
        await write(logs.slice(20));
      }, timeout);

      async function same(q: LogQuery, check?: (got: LogRecord[]) => void) {
        const ref = createMemoryAdapter();
        await ref.logs!.write(logs);
        const expected = await ref.logs!.queryLogs(normalizeLogQuery(q));
        const actual = await query(q);
        expect(actual.items.map(canonicalLog)).toEqual(expected.items.map(canonicalLog));
        check?.(actual.items);
      }
      const cases: Array<[string, LogQuery, ((got: LogRecord[]) => void)?]> = [
        ['service, newest first', { service }, (g) => expect(g.length).toBe(35)],
        [
          'oldest first',
          { service, order: 'asc', limit: 3 },
          (g) => expect(g.map((l) => l.attributes.i)).toEqual([0, 1, 2]),
        ],
        ['minimum severity', { service, minSeverity: 13 }, (g) => expect(g.length).toBe(14)],
        ['text, literal % and _', { service, text: '100%_done' }, (g) => expect(g.length).toBe(24)],
        ['text is case-sensitive', { service, text: 'LINE' }, (g) => expect(g.length).toBe(0)],
        ['text in a structured body', { service, text: 'structured 1' }, (g) => expect(g.length).toBe(2)],
        ['trace id', { traceId }, (g) => expect(g.length).toBe(10)],
        ['span id', { service, spanId }, (g) => expect(g.length).toBe(10)],
        [
          'time window',
          { service, start: t0 + 10n * SECOND, end: t0 + 20n * SECOND },
          (g) => expect(g.length).toBe(10),
        ],
        ['attributes', { service, attributes: { handler: 'CreateUser', i: 7 } }, (g) => expect(g.length).toBe(1)],
        ['typed attribute', { service, attributes: { i: '7' } }, (g) => expect(g.length).toBe(0)],
      ];
      for (const [label, q, check] of cases) {
        it(`filters by ${label} exactly as the reference`, async () => same(q, check), timeout);
      }

      it(
        'pages with a cursor through ties, both orders, every record once',
        async () => {
          const caps = store().capabilities;
          if (!caps.paging) {
            expect(() => normalizeLogQuery({ service, cursor: 'x' }, caps)).toThrow(/no paging/);
            return;
          }
          for (const order of ['desc', 'asc'] as const) {
            const seen: unknown[] = [];
            let cursor: string | undefined;
            for (let page = 0; page < 20; page++) {
              const r = await query({ service, order, limit: 4, ...(cursor ? { cursor } : {}) });
              seen.push(...r.items.map((l) => l.attributes.i));
              cursor = r.nextCursor;
              if (!cursor) break;
            }
            expect(seen.length).toBe(35);
            expect(new Set(seen).size).toBe(35);
          }
        },
        timeout,
      );
    });

    it(
      'stores hostile bodies and attributes literally and matches them only literally',
      async () => {
        const service = runId();
        const t = nowNano();
        await write(
          HOSTILE_STRINGS.map((s, i) => makeLog({ service, time: t + BigInt(i), body: s, attributes: { hostile: s } })),
        );
        for (const s of HOSTILE_STRINGS) {
          const r = await query({ service, text: s });
          expect(r.items.map((l) => l.body)).toEqual([s]);
          const a = await query({ service, attributes: { hostile: s } });
          expect(a.items.map((l) => l.body)).toEqual([s]);
        }
        const svc = await query({ service: HOSTILE_STRINGS[0]! });
        expect(svc.items.every((l) => l.resource.attributes['service.name'] === HOSTILE_STRINGS[0])).toBe(true);
      },
      timeout,
    );

    it(
      'keeps every record from concurrent writers',
      async () => {
        const service = runId();
        const t = nowNano();
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, b) =>
            store().write(
              Array.from({ length: 40 }, (_, i) => makeLog({ service, time: t + BigInt(i), attributes: { b, i } })),
            ),
          ),
        );
        expect(results.every((r) => r.ok)).toBe(true);
        let count = 0;
        let cursor: string | undefined;
        do {
          const r = await query({ service, limit: 1000, ...(cursor ? { cursor } : {}) });
          count += r.items.length;
          cursor = r.nextCursor;
        } while (cursor);
        expect(count).toBe(320);
      },
      timeout,
    );

    it(
      'retention removes old records and keeps new ones',
      async () => {
        const a = await open({ traces: 0, metrics: 0, logs: 1 });
        const service = runId();
        const now = nowNano();
        const r = await a.logs!.write([
          makeLog({ service, time: now - 3n * DAY, body: 'old' }),
          makeLog({ service, time: now - SECOND, body: 'new' }),
        ]);
        expect(r.ok).toBe(true);
        const q = normalizeLogQuery({ service }, a.logs!.capabilities);
        expect((await a.logs!.queryLogs(q)).items.length).toBe(2);
        await a.retention(now);
        expect((await a.logs!.queryLogs(q)).items.map((l) => l.body)).toEqual(['new']);
      },
      timeout,
    );
  }
}
