// OTLP -> records conversion details the exporters do not send: exemplars, summaries, staleness markers, enum names,
// ids and 64-bit values in both encodings.
import { describe, expect, it } from 'vitest';
import { logsFromRequest, metricsFromRequest, OtlpFormatError, otlpTypes, spansFromRequest } from '../src/index.js';

const T = '1700000000000000001';
const metric = (m: Record<string, unknown>) => ({
  resourceMetrics: [{ resource: { attributes: [] }, scopeMetrics: [{ scope: { name: 's' }, metrics: [m] }] }],
});

describe('metric conversion', () => {
  it('keeps exemplars with ids, skips NO_RECORDED_VALUE points, reads int64 values', () => {
    const r = metricsFromRequest(
      metric({
        name: 'req',
        sum: {
          aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
          isMonotonic: true,
          dataPoints: [
            {
              timeUnixNano: T,
              asInt: '42',
              exemplars: [
                {
                  timeUnixNano: T,
                  asDouble: 0.5,
                  traceId: 'AB'.repeat(16),
                  spanId: 'cd'.repeat(8),
                  filteredAttributes: [{ key: 'u', value: { stringValue: 'x' } }],
                },
              ],
            },
            { timeUnixNano: T, flags: 1 },
          ],
        },
      }),
    );
    expect(r.rejected).toBe(0);
    expect(r.items).toHaveLength(1);
    expect(r.items[0]).toMatchObject({
      type: 'counter',
      temporality: 'delta',
      isMonotonic: true,
      value: 42,
      timeUnixNano: 1700000000000000001n,
    });
    expect(r.items[0]!.exemplars).toEqual([
      {
        timeUnixNano: 1700000000000000001n,
        value: 0.5,
        traceId: 'ab'.repeat(16),
        spanId: 'cd'.repeat(8),
        filteredAttributes: { u: 'x' },
      },
    ]);
  });

  it('turns a summary into quantile gauges plus _count and _sum counters', () => {
    const r = metricsFromRequest(
      metric({
        name: 'lat',
        unit: 's',
        summary: {
          dataPoints: [
            {
              timeUnixNano: T,
              count: '4',
              sum: 2.5,
              quantileValues: [
                { quantile: 0.5, value: 0.4 },
                { quantile: 1, value: 1.2 },
              ],
            },
          ],
        },
      }),
    );
    expect(r.items.map((p) => [p.name, p.type, p.attributes.quantile, p.value])).toEqual([
      ['lat', 'gauge', 0.5, 0.4],
      ['lat', 'gauge', 1, 1.2],
      ['lat_count', 'counter', undefined, 4],
      ['lat_sum', 'counter', undefined, 2.5],
    ]);
  });

  it('refuses a histogram point whose counts do not match its bounds, as partial success', () => {
    const r = metricsFromRequest(
      metric({
        name: 'h',
        histogram: {
          aggregationTemporality: 2,
          dataPoints: [{ timeUnixNano: T, count: '3', bucketCounts: ['1', '2'], explicitBounds: [1, 2] }],
        },
      }),
    );
    expect(r.items).toHaveLength(0);
    expect(r.rejected).toBe(1);
  });

  it('decodes 64-bit protobuf fields without losing precision', () => {
    const t = otlpTypes().metricsRequest;
    const bytes = t
      .encode(
        t.fromObject({
          resourceMetrics: [
            {
              scopeMetrics: [
                {
                  metrics: [
                    {
                      name: 'g',
                      gauge: { dataPoints: [{ timeUnixNano: '18446744073709551615', asInt: '-9007199254740993' }] },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      )
      .finish();
    const r = metricsFromRequest(t.decode(bytes));
    expect(r.items[0]!.timeUnixNano).toBe(18446744073709551615n);
    expect(r.items[0]!.value).toBe(-9007199254740992); // the model's value is a number: nearest double
  });
});

describe('span and log conversion', () => {
  const span = (s: Record<string, unknown>) => ({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              { traceId: '01'.repeat(16), spanId: '02'.repeat(8), startTimeUnixNano: T, endTimeUnixNano: T, ...s },
            ],
          },
        ],
      },
    ],
  });

  it('accepts enum names, refuses unknown kinds and zero ids per span', () => {
    expect(
      spansFromRequest(span({ kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR' } })).items[0],
    ).toMatchObject({ kind: 3, status: { code: 2 } });
    expect(spansFromRequest(span({ kind: 9 })).rejected).toBe(1);
    expect(spansFromRequest(span({ traceId: '00'.repeat(16) })).rejected).toBe(1);
    expect(() => spansFromRequest(span({ kind: 'SERVER' }))).toThrow(OtlpFormatError);
  });

  it('keeps every AnyValue type, including a key named __proto__', () => {
    const attrs = [
      { key: 's', value: { stringValue: 'x' } },
      { key: 'b', value: { boolValue: false } },
      { key: 'i', value: { intValue: '-12' } },
      { key: 'd', value: { doubleValue: 'NaN' } },
      { key: 'bytes', value: { bytesValue: 'AQID' } },
      { key: 'arr', value: { arrayValue: { values: [{ intValue: 1 }, { stringValue: 'two' }] } } },
      { key: 'map', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } } },
      { key: 'empty', value: {} },
      { key: '__proto__', value: { stringValue: 'polluted?' } },
    ];
    const a = spansFromRequest(span({ attributes: attrs })).items[0]!.attributes;
    expect(a.s).toBe('x');
    expect(a.b).toBe(false);
    expect(a.i).toBe(-12);
    expect(Number.isNaN(a.d)).toBe(true);
    expect(a.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(a.arr).toEqual([1, 'two']);
    expect(a.map).toEqual({ k: true });
    expect(a.empty).toBeNull();
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(a, '__proto__')?.value).toBe('polluted?');
  });

  it('gives a log without time its observed time, and one with neither the receive time', () => {
    const logs = (r: Record<string, unknown>) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [r] }] }] });
    expect(logsFromRequest(logs({ observedTimeUnixNano: T })).items[0]!.timeUnixNano).toBe(1700000000000000001n);
    const r = logsFromRequest(logs({ body: { stringValue: 'x' } }), () => 5n).items[0]!;
    expect([r.timeUnixNano, r.observedTimeUnixNano]).toEqual([5n, 5n]);
    expect(logsFromRequest(logs({ traceId: 'abc' })).rejected).toBe(1);
  });
});
