/**
 * Explicit-bucket histograms kept in-process and reported through a `MetricProducer` at collection time, for the
 * span-derived metrics (span-metrics.ts). A synchronous SDK instrument hashes its attribute set on every recording
 * (sorted keys + JSON.stringify, sdk-metrics' `hashAttributes`) to find the series; here the caller holds its series'
 * state already (one per handler / operation, found by a cheap string key), so a recording is a bucket search and
 * four additions.
 *
 * The data reported is what sdk-metrics' `HistogramAggregator` reports for a histogram instrument with cumulative
 * temporality: the same bucket rule (`binarySearchUB`: the first bound ≥ the value, else the overflow bucket), count,
 * sum, min and max; NaN is not recorded.
 */
import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type HistogramMetricData,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';

/** One series of one histogram: its attributes, when it started, and what was recorded. */
export interface HistogramSeriesState {
  readonly attributes: Attributes;
  readonly startTime: HrTime;
  readonly counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** A histogram's descriptor: what the SDK instrument of the same name would carry. */
export interface HistogramDescriptor {
  name: string;
  description: string;
  unit: string;
  bounds: readonly number[];
}

export function newSeriesState(attributes: Attributes, bounds: readonly number[]): HistogramSeriesState {
  return {
    attributes,
    startTime: millisToHrTime(Date.now()),
    counts: new Array(bounds.length + 1).fill(0),
    count: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
  };
}

/** Records one value into a series (the bucket rule of sdk-metrics' binarySearchUB; bounds are few, so linear). */
export function recordInto(s: HistogramSeriesState, bounds: readonly number[], value: number): void {
  if (Number.isNaN(value)) return;
  let i = 0;
  while (i < bounds.length && bounds[i]! < value) i++;
  s.counts[i]!++;
  s.count++;
  s.sum += value;
  if (value < s.min) s.min = value;
  if (value > s.max) s.max = value;
}

/** The cumulative MetricData of one histogram's series, snapshotted (the producer's caller may export later). */
export function histogramData(
  d: HistogramDescriptor,
  series: Iterable<HistogramSeriesState>,
  endTime: HrTime,
): HistogramMetricData | undefined {
  const dataPoints: HistogramMetricData['dataPoints'] = [];
  for (const s of series) {
    if (s.count === 0) continue;
    dataPoints.push({
      attributes: s.attributes,
      startTime: s.startTime,
      endTime,
      value: {
        buckets: { boundaries: [...d.bounds], counts: [...s.counts] },
        count: s.count,
        sum: s.sum,
        min: s.min,
        max: s.max,
      },
    });
  }
  if (dataPoints.length === 0) return undefined;
  return {
    descriptor: { name: d.name, description: d.description, unit: d.unit, valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints,
  };
}

/** A MetricProducer reporting `metrics()` under one instrumentation scope (MetricReader.collect merges its
 * scopeMetrics under the SDK's own resource). */
export function histogramProducer(
  resource: Resource,
  scopeName: string,
  metrics: () => Array<MetricData | undefined>,
): MetricProducer {
  return {
    collect(): Promise<CollectionResult> {
      const list = metrics().filter((m): m is MetricData => m !== undefined);
      return Promise.resolve({
        resourceMetrics: {
          resource,
          scopeMetrics: list.length ? [{ scope: { name: scopeName }, metrics: list }] : [],
        },
        errors: [],
      });
    },
  };
}
