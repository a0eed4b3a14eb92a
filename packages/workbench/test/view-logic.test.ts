/** The Workbench's pure logic, without a browser: waterfall rows, counter increases, the quantile heatmap, parsing. */
import { describe, expect, it } from 'vitest';
import type { JsonLogRecord, JsonSpan, MetricSeries } from '../src/api-types.ts';
import { formatDuration, parseDuration, parseTime, severityName } from '../src/format.ts';
import { LogPager, textVariants } from '../src/log-pager.ts';
import { alignSeries, counterIncrease, labelsId, quantileHeatmap } from '../src/metric-data.ts';
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
  // A store with the contract's semantics: case-sensitive substring, newest first, keyset cursor by time.
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
  const fetchPage = async (text: string | undefined, limit: number, cursor: string | undefined) => {
    const all = store.filter((r) => (text ? String(r.body).includes(text) : true));
    const from = cursor ? all.findIndex((r) => Number(r.timeUnixNano) < Number(cursor)) : 0;
    const page = from < 0 ? [] : all.slice(from, from + limit);
    const more = from >= 0 && from + limit < all.length;
    return { logs: page, nextCursor: more ? page[page.length - 1]!.timeUnixNano : undefined };
  };

  it('lists the spellings it searches', () => {
    expect(textVariants('payment declined')).toEqual([
      'payment declined',
      'PAYMENT DECLINED',
      'Payment declined',
      'Payment Declined',
    ]);
  });

  it('merges every spelling newest first, each record once, across pages of any size', async () => {
    for (const size of [1, 2, 3, 100]) {
      const pager = new LogPager('pAYMENT', fetchPage);
      const got: string[] = [];
      while (pager.hasMore) for (const r of await pager.next(size)) got.push(String(r.body));
      expect(got).toEqual([
        'Payment authorized',
        'payment declined',
        'PAYMENT retry',
        'Payment and payment',
        'Card Payment Failed',
        'payment again',
      ]);
    }
  });
});
