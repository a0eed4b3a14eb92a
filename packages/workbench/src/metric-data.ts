/** Turning API metric series into chart data: counter increases, label text, aligned columns, quantile heatmaps. */
import type { JsonAttributes, MetricSeries } from './api-types.ts';
import { compactNumber, formatDuration, nsToMs } from './format.ts';

export function labelText(labels: JsonAttributes, fallback: string): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return fallback;
  if (keys.length === 1)
    return typeof labels[keys[0]!] === 'string' ? (labels[keys[0]!] as string) : JSON.stringify(labels[keys[0]!]);
  return keys.map((k) => `${k}=${typeof labels[k] === 'string' ? labels[k] : JSON.stringify(labels[k])}`).join(', ');
}

export function labelsId(labels: JsonAttributes): string {
  return JSON.stringify(Object.entries(labels).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

/**
 * Per-bucket increase of cumulative counter series (the OpenTelemetry SDK's default temporality), from the `last`
 * value in each bucket: a drop means the process restarted, and then the new value is the increase. `baseline` holds
 * each series' last value before the window (by labelsId); a series without one started inside the window, so its
 * first value is all increase. Series with the same values of `groupBy` keys are summed after the increase is taken,
 * which is why the query is not grouped.
 */
export function counterIncrease(
  series: MetricSeries[],
  groupBy: string[] | undefined,
  baseline: Map<string, number> = new Map(),
): MetricSeries[] {
  const groups = new Map<string, MetricSeries>();
  for (const s of series) {
    const pts: MetricSeries['points'] = [];
    const base = baseline.get(labelsId(s.labels));
    for (let i = 0; i < s.points.length; i++) {
      const prev = i === 0 ? (base ?? 0) : s.points[i - 1]!.value;
      const cur = s.points[i]!.value;
      pts.push({ timeUnixNano: s.points[i]!.timeUnixNano, value: cur >= prev ? cur - prev : cur });
    }
    let labels = s.labels;
    if (groupBy) {
      labels = {};
      for (const k of groupBy) if (s.labels[k] !== undefined) labels[k] = s.labels[k]!;
    }
    const key = labelsId(labels);
    const g = groups.get(key);
    if (!g) groups.set(key, { ...s, labels, points: pts });
    else {
      const byT = new Map(g.points.map((p) => [p.timeUnixNano, p.value]));
      for (const p of pts) byT.set(p.timeUnixNano, (byT.get(p.timeUnixNano) ?? 0) + p.value);
      g.points = [...byT.entries()]
        .map(([timeUnixNano, value]) => ({ timeUnixNano, value }))
        .sort((a, b) => (BigInt(a.timeUnixNano) < BigInt(b.timeUnixNano) ? -1 : 1));
    }
  }
  return [...groups.values()];
}

/** Columns for uPlot: the union of bucket times (seconds) and one value array per series, null where a bucket is empty. */
export function alignSeries(series: MetricSeries[]): [number[], ...Array<Array<number | null>>] {
  const times = new Set<string>();
  for (const s of series) for (const p of s.points) times.add(p.timeUnixNano);
  const sorted = [...times].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  const index = new Map(sorted.map((t, i) => [t, i]));
  const cols = series.map((s) => {
    const col = new Array<number | null>(sorted.length).fill(null);
    for (const p of s.points) col[index.get(p.timeUnixNano)!] = p.value;
    return col;
  });
  return [sorted.map((t) => nsToMs(t) / 1000), ...cols];
}

/** A value formatter for a metric unit (UCUM as OpenTelemetry uses it: ms, s, By, 1, %). */
export function unitFormatter(unit: string | undefined): (v: number) => string {
  switch (unit) {
    case 'ms':
      return (v) => formatDuration(v * 1e6);
    case 's':
      return (v) => formatDuration(v * 1e9);
    case 'us':
      return (v) => formatDuration(v * 1e3);
    case 'ns':
      return (v) => formatDuration(v);
    case 'By':
      return (v) => bytes(v);
    case '%':
      return (v) => `${compactNumber(v)}%`;
    case undefined:
    case '':
    case '1':
      return compactNumber;
    default:
      return (v) => `${compactNumber(v)} ${unit.replace(/^\{(.*)\}$/, '$1')}`;
  }
}

function bytes(v: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1024 && i < u.length - 1) {
    x /= 1024;
    i++;
  }
  return `${v < 0 ? '-' : ''}${+x.toFixed(x >= 10 ? 0 : 1)} ${u[i]}`;
}

/** What is known about the distribution in one time bucket: a few quantiles and the count. */
export interface QuantileBucket {
  t: number;
  count: number;
  /** [value, cumulative fraction] knots, ascending in both. */
  knots: Array<[number, number]>;
}

/**
 * Builds a heatmap matrix (time × value bins) from per-bucket quantiles. The query API returns aggregates, not
 * buckets, so each column's distribution is the piecewise-linear CDF through min, p50, p90, p95, p99 and max,
 * scaled by the bucket's count: an estimate that is exact at those knots.
 */
export function quantileHeatmap(
  buckets: QuantileBucket[],
  bins: number,
  log: boolean,
): { lo: number; hi: number; cells: number[][]; max: number } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const b of buckets)
    for (const [v] of b.knots) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  if (!Number.isFinite(lo)) return { lo: 0, hi: 1, cells: [], max: 0 };
  if (hi === lo) hi = lo + 1;
  const useLog = log && lo > 0;
  const toY = (v: number) => (useLog ? Math.log(v) : v);
  const fromY = (y: number) => (useLog ? Math.exp(y) : y);
  const y0 = toY(lo);
  const y1 = toY(hi);
  let max = 0;
  const cells = buckets.map((b) => {
    const col = new Array<number>(bins).fill(0);
    for (let i = 0; i < bins; i++) {
      const a = fromY(y0 + ((y1 - y0) * i) / bins);
      const z = fromY(y0 + ((y1 - y0) * (i + 1)) / bins);
      const v = b.count * (cdf(b.knots, z) - cdf(b.knots, a));
      col[i] = v;
      if (v > max) max = v;
    }
    return col;
  });
  return { lo, hi, cells, max };
}

function cdf(knots: Array<[number, number]>, x: number): number {
  if (knots.length === 0) return 0;
  if (x <= knots[0]![0]) return x < knots[0]![0] ? 0 : knots[0]![1];
  for (let i = 1; i < knots.length; i++) {
    const [v1, f1] = knots[i]!;
    if (x <= v1) {
      const [v0, f0] = knots[i - 1]!;
      return v1 === v0 ? f1 : f0 + ((f1 - f0) * (x - v0)) / (v1 - v0);
    }
  }
  return 1;
}
