/** queryMetrics answered from the per-minute continuous aggregate `metric_points_1m` (TimescaleDB mode). */
import type { Attributes, InstrumentType, MetricSeries, NormalizedMetricQuery } from '@rohas/telemetry/adapter';
import { bucketStart, labelsKey, matchesAllFilters } from '@rohas/telemetry/adapter';
import { attributesFromDb } from './codec.js';
import type { Shared } from './internal-types.js';
import { addPartial, emptyPartial, finish, type Partial } from './metric-partials.js';
import { labelsOf, metricPoints, metricWhere, needsResource } from './metric-reads.js';
import { Params } from './sql-filters.js';
import { unescapeText } from './text-encoding.js';

export const MINUTE = 60_000_000_000n;

interface CaggRow {
  bucket: string;
  type: string;
  unit: string | null;
  attributes: string;
  resource_attributes?: string;
  n: string;
  v_sum: number | null;
  v_min: number | null;
  v_max: number | null;
  hn: string;
  h_count: number | null;
  h_sum: number | null;
  h_min: number | null;
  h_max: number | null;
  first_ns: string;
}

/**
 * queryMetrics from the per-minute continuous aggregate: the window's whole minutes come from metric_points_1m
 * (materialized rows plus real-time aggregation of minutes not yet materialized), a trailing part minute from the
 * raw table. Only used when start and step are whole minutes, so every minute lies inside one result bucket.
 */
export async function fromAggregate(sh: Shared, q: NormalizedMetricQuery): Promise<MetricSeries[]> {
  const step = q.stepNano!;
  const alignedEnd = q.start + ((q.end - q.start) / MINUTE) * MINUTE;
  type Group = {
    labels: Attributes;
    firstNs: bigint;
    type: InstrumentType;
    unit?: string;
    buckets: Map<bigint, Partial>;
  };
  const groups = new Map<string, Group>();
  const put = (
    attributes: Attributes,
    resource: Attributes | undefined,
    time: bigint,
    firstNs: bigint,
    type: string,
    unit: string | null | undefined,
    part: Partial,
  ) => {
    const labels = labelsOf(q, attributes, resource);
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) {
      g = { labels, firstNs, type: type as InstrumentType, buckets: new Map() };
      if (unit) g.unit = unit;
      groups.set(key, g);
    } else if (firstNs < g.firstNs) {
      g.firstNs = firstNs;
      g.type = type as InstrumentType;
      if (unit) g.unit = unit;
      else delete g.unit;
    }
    const b = bucketStart(time, q.start, step);
    const acc = g.buckets.get(b);
    if (acc) addPartial(acc, part);
    else g.buckets.set(b, { ...part });
  };
  if (alignedEnd > q.start) {
    const p = new Params();
    const cond = metricWhere(q, p, 'c', 'bucket', q.start, alignedEnd);
    const withResource = needsResource(q, cond);
    const rows = (
      await sh.pool.query<CaggRow>(
        `SELECT c.bucket, c.type, c.unit, c.attributes${withResource ? ', c.resource_attributes' : ''}, c.n, c.v_sum, c.v_min, c.v_max,
                c.hn, c.h_count, c.h_sum, c.h_min, c.h_max, c.first_ns
         FROM ${sh.schema}.metric_points_1m c WHERE ${cond.sql}`,
        p.values,
      )
    ).rows;
    for (const r of rows) {
      const attributes = attributesFromDb(r.attributes);
      const resource = withResource ? attributesFromDb(r.resource_attributes!) : undefined;
      if (cond.needsJs && !matchesAllFilters(q.attributes, attributes, resource!)) continue;
      put(
        attributes,
        resource,
        BigInt(r.bucket),
        BigInt(r.first_ns),
        r.type,
        r.unit === null ? null : unescapeText(r.unit),
        {
          n: Number(r.n),
          vSum: r.v_sum ?? 0,
          vMin: r.v_min ?? Infinity,
          vMax: r.v_max ?? -Infinity,
          hn: Number(r.hn),
          hCount: r.h_count ?? 0,
          hSum: r.h_sum ?? 0,
          hMin: r.h_min ?? Infinity,
          hMax: r.h_max ?? -Infinity,
        },
      );
    }
  }
  if (alignedEnd < q.end) {
    for (const pt of await metricPoints(sh, q, alignedEnd, q.end)) {
      const part = emptyPartial();
      if (pt.histogram) {
        part.hn = 1;
        part.hCount = pt.histogram.count;
        part.hSum = pt.histogram.sum ?? 0;
        part.hMin = pt.histogram.min ?? Infinity;
        part.hMax = pt.histogram.max ?? -Infinity;
      } else {
        const v = pt.value ?? 0;
        Object.assign(part, { n: 1, vSum: v, vMin: v, vMax: v });
      }
      put(pt.attributes, pt.resource?.attributes, pt.timeUnixNano, pt.timeUnixNano, pt.type, pt.unit, part);
    }
  }
  const out: MetricSeries[] = [];
  for (const [, g] of [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const pts: MetricSeries['points'] = [];
    for (const [t, part] of [...g.buckets.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const value = finish(q.aggregation, part);
      if (value !== undefined && !Number.isNaN(value)) pts.push({ timeUnixNano: t, value });
    }
    const series: MetricSeries = { name: q.name, type: g.type, labels: g.labels, points: pts };
    if (g.unit) series.unit = g.unit;
    out.push(series);
  }
  return out;
}
