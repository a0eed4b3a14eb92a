/**
 * The range-vector functions and histogram_quantile of the PromQL subset, with Prometheus' semantics:
 *
 * - rate / increase / delta: `extrapolatedRate` in prometheus/prometheus `promql/functions.go` (commit 003b9e9d):
 *   the difference between the first and last sample in the range (counter resets added back for rate/increase),
 *   extrapolated to the range boundaries when the first/last sample lies within 1.1x the average sample interval of
 *   them, else by half an interval; counters are not extrapolated below zero; rate divides by the range in seconds.
 * - irate: `instantValue` there: the last two samples; a decrease is a counter reset, so the later value is the
 *   increase.
 * - *_over_time: `funcAvgOverTime` ... `funcQuantileOverTime` there; min/max ignore NaN unless every sample is NaN.
 * - histogram_quantile over classic `_bucket` series: `BucketQuantile` in `promql/quantile.go` (buckets sorted by
 *   `le`, `+Inf` required, precision errors and monotonicity corrected, linear interpolation inside the bucket, the lowest bucket starting at
 *   0 when its bound is positive, the highest finite bound returned for ranks in the `+Inf` bucket).
 */

/** Samples of one series inside a range: times (ms) and values, ascending. */
export interface RangeSamples {
  t: number[];
  v: number[];
}

export function extrapolatedRate(
  s: RangeSamples,
  rangeStartMs: number,
  rangeEndMs: number,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const n = s.v.length;
  if (n < 2) return undefined;
  const firstT = s.t[0]!;
  const lastT = s.t[n - 1]!;
  let result = s.v[n - 1]! - s.v[0]!;
  if (isCounter) {
    for (let i = 1; i < n; i++) if (s.v[i]! < s.v[i - 1]!) result += s.v[i - 1]!;
  }
  let durationToStart = (firstT - rangeStartMs) / 1000;
  let durationToEnd = (rangeEndMs - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter && result > 0 && s.v[0]! >= 0) {
    const durationToZero = sampledInterval * (s.v[0]! / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= (rangeEndMs - rangeStartMs) / 1000;
  return result * factor;
}

export function irate(s: RangeSamples): number | undefined {
  const n = s.v.length;
  if (n < 2) return undefined;
  const last = s.v[n - 1]!;
  const prev = s.v[n - 2]!;
  const dt = (s.t[n - 1]! - s.t[n - 2]!) / 1000;
  if (dt === 0) return undefined;
  const diff = last < prev ? last : last - prev;
  return diff / dt;
}

/** Quantile of values with Prometheus' `quantile` (linear interpolation between closest ranks). */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

export function overTime(fn: string, v: number[], q?: number): number | undefined {
  if (v.length === 0) return undefined;
  switch (fn) {
    case 'avg_over_time': {
      let mean = 0;
      for (let i = 0; i < v.length; i++) mean += (v[i]! - mean) / (i + 1);
      return mean;
    }
    case 'sum_over_time':
      return v.reduce((a, b) => a + b, 0);
    case 'count_over_time':
      return v.length;
    case 'last_over_time':
      return v[v.length - 1];
    case 'present_over_time':
      return 1;
    case 'min_over_time':
    case 'max_over_time': {
      let out = Number.NaN;
      for (const x of v) {
        if (Number.isNaN(x)) continue;
        if (Number.isNaN(out) || (fn === 'min_over_time' ? x < out : x > out)) out = x;
      }
      return out;
    }
    case 'stddev_over_time':
    case 'stdvar_over_time': {
      let mean = 0;
      let m2 = 0;
      v.forEach((x, i) => {
        const d = x - mean;
        mean += d / (i + 1);
        m2 += d * (x - mean);
      });
      const variance = m2 / v.length;
      return fn === 'stdvar_over_time' ? variance : Math.sqrt(variance);
    }
    case 'quantile_over_time':
      return quantile(q ?? Number.NaN, v);
    default:
      return undefined;
  }
}

/** Prometheus' BucketQuantile over one group of classic buckets (`le` upper bounds, cumulative counts). */
export function bucketQuantile(q: number, input: Array<{ upper: number; count: number }>): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...input].sort((a, b) => a.upper - b.upper);
  if (sorted.length === 0 || sorted[sorted.length - 1]!.upper !== Number.POSITIVE_INFINITY) return Number.NaN;
  // Coalesce equal bounds (series that differ only in the text of `le`), then force monotonic counts.
  const buckets: Array<{ upper: number; count: number }> = [];
  for (const b of sorted) {
    const last = buckets[buckets.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else buckets.push({ ...b });
  }
  let prev = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i]!.count;
    const delta = Math.abs(curr - prev);
    if (delta === 0) continue;
    if (delta / curr <= 1e-12) buckets[i]!.count = prev;
    else prev = curr;
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else b.count = max;
  }
  if (buckets.length < 2) return Number.NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  let b = 0;
  while (b < buckets.length - 1 && buckets[b]!.count < rank) b++;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upper;
  if (b === 0 && buckets[0]!.upper <= 0) return buckets[0]!.upper;
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upper;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upper;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}
