/**
 * Turns delta-temporality sums and histograms into cumulative ones, as the specification asks of Prometheus
 * exporters. The reader asks the SDK for cumulative data, so this only acts on metrics that arrive as delta anyway
 * (from a MetricProducer added to the reader, e.g. data relayed from OTLP).
 */
import {
  AggregationTemporality,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

interface SumState {
  startTime: [number, number];
  endTime: [number, number];
  attributes: Record<string, unknown>;
  value: number;
}
interface HistogramState {
  startTime: [number, number];
  endTime: [number, number];
  attributes: Record<string, unknown>;
  value: Histogram;
}

function attributesKey(attributes: Record<string, unknown>): string {
  const keys = Object.keys(attributes).sort();
  return JSON.stringify(keys.map((k) => [k, attributes[k]]));
}

function sameBounds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class DeltaToCumulative {
  private readonly sums = new Map<string, Map<string, SumState>>();
  private readonly histograms = new Map<string, Map<string, HistogramState>>();

  /** Returns `rm` with every delta monotonic sum and delta histogram replaced by its running total. */
  convert(rm: ResourceMetrics): ResourceMetrics {
    let changed = false;
    const scopeMetrics = rm.scopeMetrics.map((sm) => {
      const scopeKey = `${sm.scope.name}\u0000${sm.scope.version ?? ''}`;
      const metrics = sm.metrics.map((m) => {
        if (m.aggregationTemporality !== AggregationTemporality.DELTA) return m;
        if (m.dataPointType === DataPointType.SUM && m.isMonotonic) {
          changed = true;
          return this.accumulateSum(`${scopeKey}\u0000${m.descriptor.name}`, m);
        }
        if (m.dataPointType === DataPointType.HISTOGRAM) {
          changed = true;
          return this.accumulateHistogram(`${scopeKey}\u0000${m.descriptor.name}`, m);
        }
        return m;
      });
      return { ...sm, metrics };
    });
    return changed ? { ...rm, scopeMetrics } : rm;
  }

  private accumulateSum(key: string, m: MetricData & { dataPointType: DataPointType.SUM }): MetricData {
    let series = this.sums.get(key);
    if (!series) {
      series = new Map();
      this.sums.set(key, series);
    }
    for (const dp of m.dataPoints) {
      const k = attributesKey(dp.attributes as Record<string, unknown>);
      const prev = series.get(k);
      if (prev) {
        prev.value += dp.value;
        prev.endTime = dp.endTime as [number, number];
      } else {
        series.set(k, {
          startTime: dp.startTime as [number, number],
          endTime: dp.endTime as [number, number],
          attributes: dp.attributes as Record<string, unknown>,
          value: dp.value,
        });
      }
    }
    const dataPoints: DataPoint<number>[] = [...series.values()].map((s) => ({
      startTime: s.startTime,
      endTime: s.endTime,
      attributes: s.attributes as DataPoint<number>['attributes'],
      value: s.value,
    }));
    return { ...m, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints };
  }

  private accumulateHistogram(key: string, m: MetricData & { dataPointType: DataPointType.HISTOGRAM }): MetricData {
    let series = this.histograms.get(key);
    if (!series) {
      series = new Map();
      this.histograms.set(key, series);
    }
    for (const dp of m.dataPoints) {
      const k = attributesKey(dp.attributes as Record<string, unknown>);
      const prev = series.get(k);
      const h = dp.value;
      if (prev && sameBounds(prev.value.buckets.boundaries, h.buckets.boundaries)) {
        const v = prev.value;
        v.buckets.counts = v.buckets.counts.map((c, i) => c + (h.buckets.counts[i] ?? 0));
        v.count += h.count;
        if (v.sum !== undefined || h.sum !== undefined) v.sum = (v.sum ?? 0) + (h.sum ?? 0);
        if (h.min !== undefined) v.min = v.min === undefined ? h.min : Math.min(v.min, h.min);
        if (h.max !== undefined) v.max = v.max === undefined ? h.max : Math.max(v.max, h.max);
        prev.endTime = dp.endTime as [number, number];
      } else {
        // New series, or the bounds changed: the running total restarts (a counter reset to Prometheus).
        series.set(k, {
          startTime: dp.startTime as [number, number],
          endTime: dp.endTime as [number, number],
          attributes: dp.attributes as Record<string, unknown>,
          value: {
            ...h,
            buckets: { boundaries: [...h.buckets.boundaries], counts: [...h.buckets.counts] },
          },
        });
      }
    }
    const dataPoints: DataPoint<Histogram>[] = [...series.values()].map((s) => ({
      startTime: s.startTime,
      endTime: s.endTime,
      attributes: s.attributes as DataPoint<Histogram>['attributes'],
      value: s.value,
    }));
    return { ...m, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints };
  }
}
