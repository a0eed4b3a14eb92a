/** The Workbench's pure logic, without a browser: waterfall rows, counter increases, the quantile heatmap, parsing. */
import { describe, expect, it } from 'vitest';
import type { JsonLogRecord, JsonSpan, MetricSeries, TraceSummary } from '../src/api-types.ts';
import { formatDuration, parseDuration, parseTime, severityName } from '../src/format.ts';
import { LogPager, textVariants } from '../src/log-pager.ts';
import { alignSeries, counterIncrease, labelsId, quantileHeatmap } from '../src/metric-data.ts';
import { formatRate, increaseTotals, overviewFromTraces, pickMetricSource } from '../src/overview-data.ts';
import { diffTraces, meanNs } from '../src/trace-diff.ts';
import { buildTraceModel, visibleRows } from '../src/trace-model.ts';
import { bigTrace, depthFirstOrder } from './fixtures/telemetry-data.ts';

function span(
  id: string,
  parent: string | undefined,
  start: number,
  end: number,
  extra: Partial<JsonSpan> = {},
): JsonSpan {
  return {
    traceId: 'a'.repeat(32),
    spanId: id,
    ...(parent ? { parentSpanId: parent } : {}),
    name: `op-${id}`,
    kind: 1,
    startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(start)),
    endTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(end)),
    status: { code: 0 },
    attributes: {},
    events: [],
    links: [],
    resource: { attributes: { 'service.name': 'svc' } },
    scope: { name: 's' },
    ...extra,
  };
}

describe('buildTraceModel', () => {
  it('orders rows depth-first with children by start, whatever order the spans arrive in', () => {
    const spans = [
      span('c2', 'b', 30, 40),
      span('a', undefined, 0, 100),
      span('b', 'a', 10, 50),
      span('c1', 'b', 20, 25),
      span('d', 'a', 60, 90, { status: { code: 2 } }),
    ];
    const m = buildTraceModel(spans);
    expect(m.rows.map((r) => r.span.spanId)).toEqual(['a', 'b', 'c1', 'c2', 'd']);
    expect(m.rows.map((r) => r.depth)).toEqual([0, 1, 2, 2, 1]);
    expect(m.rows.map((r) => r.subtreeEnd)).toEqual([5, 4, 3, 4, 5]);
    expect(m.rows.map((r) => r.offset)).toEqual([0, 10, 20, 30, 60]);
    expect(m.durationNs).toBe(100);
    expect(m.errorCount).toBe(1);
    expect(visibleRows(m, new Set(['b'])).map((r) => r.span.spanId)).toEqual(['a', 'b', 'd']);
  });

  it('keeps spans whose parent is missing at the top level, marked orphan, and survives a parent cycle', () => {
    const m = buildTraceModel([
      span('x', 'missing', 5, 6),
      span('root', undefined, 0, 10),
      span('p', 'q', 1, 2),
      span('q', 'p', 1, 2),
    ]);
    const ids = m.rows.map((r) => r.span.spanId);
    expect(ids.slice(0, 2)).toEqual(['root', 'x']);
    expect(m.rows.find((r) => r.span.spanId === 'x')!.orphan).toBe(true);
    // p and q name each other: no root reaches them, yet both are shown, at the top level, and the walk ends.
    expect(ids).toHaveLength(4);
    expect(m.rows.find((r) => r.span.spanId === 'p')!.orphan).toBe(true);
  });

  it('matches the expected depth-first order of the 5,000-span fixture and handles a 5,000-deep chain', () => {
    const big = bigTrace(5000, Date.now());
    const json = big.spans.map(
      (s) => JSON.parse(JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) as JsonSpan,
    );
    expect(buildTraceModel(json).rows.map((r) => r.span.spanId)).toEqual(depthFirstOrder(big.spans));
    const chain = Array.from({ length: 5000 }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : undefined, i, 10_000 - i));
    const m = buildTraceModel(chain);
    expect(m.rows[4999]!.depth).toBe(4999);
    expect(m.rows[0]!.subtreeEnd).toBe(5000);
  });
});

describe('counterIncrease', () => {
  const series = (labels: Record<string, string>, values: Array<[number, number]>): MetricSeries => ({
    name: 'c',
    type: 'counter',
    labels,
    points: values.map(([t, value]) => ({ timeUnixNano: String(t), value })),
  });

  it('takes differences, treats a drop as a restart, and uses the pre-window baseline', () => {
    const s = series({ h: 'a', status: 'ok' }, [
      [10, 5],
      [20, 7],
      [30, 2],
      [40, 4],
    ]);
    expect(counterIncrease([s], undefined, new Map([[labelsId(s.labels), 3]]))[0]!.points.map((p) => p.value)).toEqual([
      2, 2, 2, 2,
    ]);
    // No baseline: the series started inside the window, so its first value is all increase.
    expect(counterIncrease([s], undefined)[0]!.points.map((p) => p.value)).toEqual([5, 2, 2, 2]);
  });

  it('sums increases of the attribute sets that share the group-by values', () => {
    const a = series({ h: 'a', status: 'ok' }, [
      [10, 1],
      [20, 3],
    ]);
    const b = series({ h: 'a', status: 'error' }, [
      [20, 1],
      [30, 2],
    ]);
    const out = counterIncrease([a, b], ['h']);
    expect(out).toHaveLength(1);
    expect(out[0]!.labels).toEqual({ h: 'a' });
    expect(out[0]!.points).toEqual([
      { timeUnixNano: '10', value: 1 },
      { timeUnixNano: '20', value: 3 },
      { timeUnixNano: '30', value: 1 },
    ]);
  });
});

describe('alignSeries and quantileHeatmap', () => {
  it('aligns series on the union of bucket times with nulls for gaps', () => {
    const cols = alignSeries([
      { name: 'm', type: 'gauge', labels: {}, points: [{ timeUnixNano: '2000000000', value: 1 }] },
      { name: 'm', type: 'gauge', labels: {}, points: [{ timeUnixNano: '1000000000', value: 2 }] },
    ]);
    expect(cols).toEqual([
      [1, 2],
      [null, 1],
      [2, null],
    ]);
  });

  it('spreads each step count over value bins along the quantile CDF', () => {
    const h = quantileHeatmap(
      [
        {
          t: 0,
          count: 100,
          knots: [
            [0, 0],
            [10, 0.5],
            [20, 1],
          ],
        },
      ],
      4,
      false,
    );
    expect(h.lo).toBe(0);
    expect(h.hi).toBe(20);
    expect(h.cells[0]!.map((v) => Math.round(v))).toEqual([25, 25, 25, 25]);
    expect(h.cells[0]!.reduce((a, b) => a + b, 0)).toBeCloseTo(100);
  });
});

describe('parsing and formatting', () => {
  it('parses the durations and times the API accepts', () => {
    expect(parseDuration('250ms')).toBe(250e6);
    expect(parseDuration('1.5s')).toBe(1.5e9);
    expect(parseDuration('500us')).toBe(500e3);
    expect(parseDuration('42')).toBe(42);
    expect(parseDuration('fast')).toBeUndefined();
    const now = Date.UTC(2026, 10, 23, 12, 0, 0);
    expect(parseTime('now-15m', now)).toBe(BigInt(now - 15 * 60_000) * 1_000_000n);
    expect(parseTime('2026-11-23T12:00:00Z', now)).toBe(BigInt(now) * 1_000_000n);
    expect(parseTime('1795439199342000000', now)).toBe(1795439199342000000n);
    expect(parseTime('yesterday', now)).toBeUndefined();
  });

  it('formats durations and severities', () => {
    expect(formatDuration(0)).toBe('0');
    expect(formatDuration(850_000)).toBe('850µs');
    expect(formatDuration('12345678')).toBe('12.3ms');
    expect(formatDuration(2_510_000_000)).toBe('2.51s');
    expect(formatDuration(200e9)).toBe('3m 20s');
    expect(severityName(9)).toBe('INFO');
    expect(severityName(18)).toBe('ERROR');
    expect(severityName(0, 'custom')).toBe('custom');
  });
});

describe('case-insensitive log search over a case-sensitive store (log-pager)', () => {
  const rec = (t: number, body: string): JsonLogRecord => ({
    timeUnixNano: String(t),
    observedTimeUnixNano: String(t),
    severityNumber: 9,
    body,
    attributes: {},
    resource: { attributes: {} },
    scope: { name: 's' },
  });
  // A store with the contract's semantics: substring (case-sensitive unless it folds case), newest first, keyset
  // cursor by time. `folds = false` is a store whose backend declares no case folding: it refuses ignoreCase.
  const store = [
    rec(9, 'Payment authorized'),
    rec(8, 'payment declined'),
    rec(7, 'PAYMENT retry'),
    rec(6, 'nothing here'),
    rec(5, 'Payment and payment'),
    rec(4, 'Card Payment Failed'),
    rec(3, 'PayMent odd'),
    rec(2, 'payment again'),
  ];
  const storeOf = (folds: boolean, calls: Array<[string | undefined, boolean]>) => {
    return async (text: string | undefined, limit: number, cursor: string | undefined, ignoreCase: boolean) => {
      calls.push([text, ignoreCase]);
      if (ignoreCase && !folds)
        throw Object.assign(new Error('cannot match text ignoring case'), { status: 400, parameter: 'ignoreCase' });
      const has = (body: string) =>
        !text || (ignoreCase ? body.toLowerCase().includes(text.toLowerCase()) : body.includes(text));
      const all = store.filter((r) => has(String(r.body)));
      const from = cursor ? all.findIndex((r) => Number(r.timeUnixNano) < Number(cursor)) : 0;
      const page = from < 0 ? [] : all.slice(from, from + limit);
      const more = from >= 0 && from + limit < all.length;
      return { logs: page, nextCursor: more ? page[page.length - 1]!.timeUnixNano : undefined };
    };
  };

  it('lists the spellings it falls back to', () => {
    expect(textVariants('payment declined')).toEqual([
      'payment declined',
      'PAYMENT DECLINED',
      'Payment declined',
      'Payment Declined',
    ]);
  });

  /** Pages through 'pAYMENT' with pages of `size` over a store that does or does not fold case. */
  async function readAllPages(foldsCase: boolean, size: number) {
    const calls: Array<[string | undefined, boolean]> = [];
    const pager = new LogPager('pAYMENT', storeOf(foldsCase, calls));
    const got: string[] = [];
    while (pager.hasMore) for (const r of await pager.next(size)) got.push(String(r.body));
    return { calls, got, mode: pager.mode };
  }

  it('asks a store that folds case once per page, with ignoreCase, and finds every spelling', async () => {
    for (const size of [1, 3, 100]) {
      const { calls, got, mode } = await readAllPages(true, size);
      expect(mode).toBe('store');
      expect(got).toEqual([
        'Payment authorized',
        'payment declined',
        'PAYMENT retry',
        'Payment and payment',
        'Card Payment Failed',
        'PayMent odd',
        'payment again',
      ]);
      expect(calls.every(([text, ignoreCase]) => text === 'pAYMENT' && ignoreCase)).toBe(true);
    }
  });

  it('falls back to every spelling, newest first, each record once, when the store refuses ignoreCase', async () => {
    for (const size of [1, 2, 3, 100]) {
      const { calls, got, mode } = await readAllPages(false, size);
      expect(mode).toBe('spellings');
      expect(got).toEqual([
        'Payment authorized',
        'payment declined',
        'PAYMENT retry',
        'Payment and payment',
        'Card Payment Failed',
        'payment again',
      ]);
      expect(calls[0]).toEqual(['pAYMENT', true]);
      expect(calls.slice(1).every(([, ignoreCase]) => !ignoreCase)).toBe(true);
    }
  });

  it('passes any other error on', async () => {
    const pager = new LogPager('x', async () => {
      throw Object.assign(new Error('store down'), { status: 503 });
    });
    await expect(pager.next(10)).rejects.toThrow('store down');
  });
});

describe('service overview', () => {
  const trace = (svc: string, op: string, ms: number, errors = 0): TraceSummary => ({
    traceId: Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32),
    rootServiceName: svc,
    rootSpanName: op,
    startTimeUnixNano: '1700000000000000000',
    durationNano: String(ms * 1e6),
    spanCount: 3,
    errorCount: errors,
    services: [svc],
  });

  it('counts root spans per service and operation, with error counts and nearest-rank p50/p99', () => {
    const traces = [
      ...Array.from({ length: 100 }, (_, i) => trace('api', 'GET /a', i + 1, i % 10 === 0 ? 1 : 0)),
      trace('api', 'POST /b', 500, 2),
      trace('db', 'query', 3),
    ];
    const got = overviewFromTraces(traces);
    expect(got.map((s) => [s.service, s.calls, s.errors])).toEqual([
      ['api', 101, 11],
      ['db', 1, 0],
    ]);
    const a = got[0]!.operations.find((o) => o.operation === 'GET /a')!;
    expect([a.calls, a.errors, a.p50, a.p99]).toEqual([100, 10, 50, 99]);
    expect(got[0]!.operations.map((o) => o.operation)).toEqual(['GET /a', 'POST /b']);
    expect([got[0]!.p50, got[0]!.p99]).toEqual([51, 100]);
  });

  it('sums counter increases per service and operation, across restarts and from a baseline before the window', () => {
    const s = (labels: Record<string, string>, values: number[]): MetricSeries => ({
      name: 'handler.execution.count',
      type: 'counter',
      labels,
      points: values.map((value, i) => ({ timeUnixNano: String(1_000n * BigInt(i + 1)), value })),
    });
    const a = { 'service.name': 'api', handler_name: 'h1', status: 'ok' };
    const b = { 'service.name': 'api', handler_name: 'h1', status: 'error' };
    const c = { 'service.name': 'web', handler_name: 'h1' };
    // a: 10 before the window, then 12, 20, restart to 5 => 2 + 8 + 5 = 15; b: new inside => 3; c: 7 => 7.
    const totals = increaseTotals([s(a, [12, 20, 5]), s(b, [1, 3]), s(c, [7])], [s(a, [4, 10])], 'handler_name');
    expect(Object.fromEntries([...totals.values()].map((t) => [`${t.service}/${t.operation}`, t.value]))).toEqual({
      'api/h1': 18,
      'web/h1': 7,
    });
  });

  it('prefers the spanmetrics shape, then handler metrics, else none', () => {
    const m = (name: string) => ({ name, type: 'counter' as const });
    const names = (list: string[]) => pickMetricSource(list.map(m))?.id;
    expect(names(['handler.execution.count', 'handler.execution.duration', 'traces.span.metrics.calls'])).toBe(
      'handler-metrics',
    );
    expect(
      names([
        'handler.execution.count',
        'handler.execution.duration',
        'traces.span.metrics.calls',
        'traces.span.metrics.duration',
      ]),
    ).toBe('span-metrics');
    expect(names(['handler.execution.count'])).toBeUndefined();
  });

  it('writes rates per second, minute or hour', () => {
    expect([formatRate(250), formatRate(2.5), formatRate(0.05), formatRate(0.0001), formatRate(0)]).toEqual([
      '250/s',
      '2.5/s',
      '3/min',
      '0.4/h',
      '0/s',
    ]);
  });
});

describe('diffTraces', () => {
  const svc = (name: string) => ({ resource: { attributes: { 'service.name': name } } });
  it('merges both trees by service+operation path: only in A, only in B, both, with counts and durations', () => {
    const a = [
      span('r', undefined, 0, 100, { name: 'GET /x', ...svc('api') }),
      span('d1', 'r', 10, 30, { name: 'query', ...svc('db') }),
      span('d2', 'r', 40, 50, { name: 'query', ...svc('db') }),
      span('c', 'r', 60, 70, { name: 'cache get', ...svc('api') }),
    ];
    const b = [
      span('R', undefined, 0, 300, { name: 'GET /x', ...svc('api') }),
      span('D1', 'R', 10, 110, { name: 'query', ...svc('db') }),
      span('E', 'R', 120, 200, { name: 'publish', ...svc('api'), status: { code: 2 } }),
      span('H', 'E', 130, 190, { name: 'handle', ...svc('worker') }),
    ];
    const d = diffTraces(a, b);
    expect([d.onlyA, d.onlyB, d.both]).toEqual([1, 2, 2]);
    expect(
      d.nodes.map((n) => [n.depth, `${n.service}:${n.operation}`, n.a?.count ?? 0, n.b?.count ?? 0, n.descendants]),
    ).toEqual([
      [0, 'api:GET /x', 1, 1, 4],
      [1, 'db:query', 2, 1, 0],
      [1, 'api:cache get', 1, 0, 0],
      [1, 'api:publish', 0, 1, 1],
      [2, 'worker:handle', 0, 1, 0],
    ]);
    const q = d.nodes[1]!;
    expect([meanNs(q.a), meanNs(q.b)]).toEqual([15, 100]);
    expect(d.nodes[3]!.b!.errors).toBe(1);
  });

  it('keeps a name with slashes in one path segment and treats a span with a missing parent as a root', () => {
    const a = [span('o', 'gone', 0, 10, { name: 'GET /a/b', ...svc('x/y') })];
    const d = diffTraces(a, a);
    expect(d.nodes.map((n) => [n.depth, n.service, n.operation])).toEqual([[0, 'x/y', 'GET /a/b']]);
    expect([d.onlyA, d.onlyB, d.both]).toEqual([0, 0, 1]);
  });

  it('walks a 5,000-deep chain without recursion', () => {
    const chain = Array.from({ length: 5000 }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : undefined, i, 10_000 - i));
    const d = diffTraces(chain, chain.slice(0, 4000));
    expect([d.onlyA, d.onlyB, d.both]).toEqual([1000, 0, 4000]);
    expect(d.nodes[4999]!.depth).toBe(4999);
  });
});
