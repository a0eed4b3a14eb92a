/**
 * Partial aggregates (count, sum, min, max of values and of histograms) of some points of one series in one bucket:
 * what each continuous aggregate level stores, and how queryMetrics combines buckets into any step they divide
 * exactly as the reference's aggregatePoints would from the points.
 */

/** Aggregations the per-minute partials (count, sum, min, max) reproduce exactly; quantiles and `last` need points. */
export const CAGG_AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count']);

/** Partial aggregates of some points of one series in one bucket. */
export interface Partial {
  n: number;
  vSum: number;
  vMin: number;
  vMax: number;
  hn: number;
  hCount: number;
  hSum: number;
  hMin: number;
  hMax: number;
}
export const emptyPartial = (): Partial => ({
  n: 0,
  vSum: 0,
  vMin: Infinity,
  vMax: -Infinity,
  hn: 0,
  hCount: 0,
  hSum: 0,
  hMin: Infinity,
  hMax: -Infinity,
});

export function addPartial(a: Partial, b: Partial): void {
  a.n += b.n;
  a.vSum += b.vSum;
  a.vMin = Math.min(a.vMin, b.vMin);
  a.vMax = Math.max(a.vMax, b.vMax);
  a.hn += b.hn;
  a.hCount += b.hCount;
  a.hSum += b.hSum;
  a.hMin = Math.min(a.hMin, b.hMin);
  a.hMax = Math.max(a.hMax, b.hMax);
}

/** The reference aggregation (aggregatePoints) of a bucket, from its partials. */
export function finish(agg: string, p: Partial): number | undefined {
  if (p.hn > 0) {
    switch (agg) {
      case 'sum':
        return p.hSum;
      case 'count':
        return p.hCount;
      case 'avg':
        return p.hCount === 0 ? undefined : p.hSum / p.hCount;
      case 'min':
        return p.hMin;
      case 'max':
        return p.hMax;
    }
    return undefined;
  }
  if (p.n === 0) return undefined;
  switch (agg) {
    case 'sum':
      return p.vSum;
    case 'count':
      return p.n;
    case 'avg':
      return p.vSum / p.n;
    case 'min':
      return p.vMin;
    case 'max':
      return p.vMax;
  }
  return undefined;
}
