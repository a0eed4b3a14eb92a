// The histogram bound checks are one table per histogram shape: each field is checked with its bound and named.
import { describe, expect, it } from 'vitest';
import type { ExponentialHistogramValue, HistogramValue, MetricPoint } from '../src/model.js';
import { checkMetricPoint } from '../src/validate.js';

const T = 1_700_000_000_000_000_000n;
const histogram = (h: Partial<HistogramValue> = {}): MetricPoint => ({
  name: 'h',
  type: 'histogram',
  temporality: 'delta',
  attributes: {},
  resource: { attributes: {} },
  scope: { name: 's' },
  startTimeUnixNano: T,
  timeUnixNano: T + 1n,
  histogram: { count: 3, sum: 6, bounds: [1, 5], counts: [1, 1, 1], ...h },
});
const exponential = (e: Partial<ExponentialHistogramValue> = {}): MetricPoint => ({
  ...histogram(),
  histogram: undefined,
  type: 'exponential_histogram',
  exponentialHistogram: {
    count: 2,
    scale: 1,
    zeroCount: 0,
    positive: { offset: 0, bucketCounts: [1, 1] },
    negative: { offset: 0, bucketCounts: [] },
    ...e,
  },
});

describe('histogram bounds, table-driven', () => {
  it('accepts storable histograms', () => {
    expect(checkMetricPoint(histogram())).toBeUndefined();
    expect(checkMetricPoint(exponential())).toBeUndefined();
  });

  it.each([
    [histogram({ count: -1 }), 'integer_out_of_range', 'histogram.count'],
    [histogram({ count: 2 ** 53 }), 'integer_out_of_range', 'histogram.count'],
    [histogram({ sum: Number.NaN }), 'non_finite_number', 'histogram.sum'],
    [histogram({ max: Number.POSITIVE_INFINITY }), 'non_finite_number', 'histogram.max'],
    [histogram({ bounds: [1, Number.NEGATIVE_INFINITY] }), 'non_finite_number', 'histogram.bounds[1]'],
    [histogram({ counts: [1, -2, 1] }), 'integer_out_of_range', 'histogram.counts[1]'],
    [exponential({ zeroCount: 1.5e300 }), 'integer_out_of_range', 'exponentialHistogram.zeroCount'],
    [exponential({ zeroThreshold: Number.NaN }), 'non_finite_number', 'exponentialHistogram.zeroThreshold'],
    [
      exponential({ negative: { offset: 0, bucketCounts: [0, Number.NaN] } }),
      'non_finite_number',
      'exponentialHistogram.negative.bucketCounts[1]',
    ],
  ])('refuses case %#: its reason and field', (point, reason, field) => {
    expect(checkMetricPoint(point as MetricPoint)).toEqual({ reason, field });
  });
});

describe('metric kind', () => {
  // A point from the TypeScript API without a temporality used to reach the SQLite writer and fail its whole batch
  // with "Cannot read properties of undefined (reading 'id')"; it is now refused on its own, naming the field.
  it.each([
    [{ temporality: undefined }, 'temporality'],
    [{ temporality: 'sometimes' }, 'temporality'],
    [{ type: undefined }, 'type'],
    [{ type: 'counterish' }, 'type'],
  ])('refuses %o naming %s', (patch, field) => {
    const point = { ...histogram(), ...patch } as unknown as MetricPoint;
    expect(checkMetricPoint(point)).toEqual({ reason: 'unknown_kind', field });
  });
});
