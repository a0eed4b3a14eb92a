/**
 * queryMetrics answered from the continuous aggregates (TimescaleDB mode): metric_points_1h, metric_points_5m
 * (hierarchical, migration 0004) and metric_points_1m. The window is cut into the longest run of whole buckets of the
 * coarsest level that fits it, then whole buckets of the finer levels, then a trailing part minute from the raw table.
 * A bucket is only read where it lies inside one result step (the step is a multiple of the bucket width and the start
 * is on the bucket grid), so combining its partials gives exactly what the points give.
 */
import type { Attributes, InstrumentType, MetricSeries, NormalizedMetricQuery } from '@rohas/telemetry/adapter';
import { bucketStart, decodeAttributes, labelsKey, matchesAllFilters } from '@rohas/telemetry/adapter';
import { attributesFromDb } from './codec.js';
import type { Shared } from './internal-types.js';
import { addPartial, emptyPartial, finish, type Partial } from './metric-partials.js';
import { labelsOf, metricPoints, metricWhere, needsResource } from './metric-reads.js';
import { Params } from './sql-filters.js';
import { jsonFromDb, unescapeText } from './text-encoding.js';

export const MINUTE = 60_000_000_000n;

/** The aggregate levels, coarsest first: the view and its bucket width. */
export const LEVELS: ReadonlyArray<{ view: string; width: bigint; label: AggregateLevel }> = [
  { view: 'metric_points_1h', width: 60n * MINUTE, label: '1h' },
  { view: 'metric_points_5m', width: 5n * MINUTE, label: '5m' },
  { view: 'metric_points_1m', width: MINUTE, label: '1m' },
];
export type AggregateLevel = '1h' | '5m' | '1m';

/** Columns of a level row (or of a grouped row, summed over the rows of one step bucket and label set). */
interface PartialColumns {
  type: string;
  unit: string | null;
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
interface CaggRow extends PartialColumns {
  bucket: string;
  attributes: string;
  resource_attributes?: string;
}
interface GroupedRow extends PartialColumns {
  b: string;
}

const partialOf = (r: PartialColumns): Partial => ({
  n: Number(r.n),
  vSum: r.v_sum ?? 0,
  vMin: r.v_min ?? Infinity,
  vMax: r.v_max ?? -Infinity,
  hn: Number(r.hn),
  hCount: r.h_count ?? 0,
  hSum: r.h_sum ?? 0,
  hMin: r.h_min ?? Infinity,
  hMax: r.h_max ?? -Infinity,
});

/** The levels that can serve a query: bucket width divides the step and the start is on the level's grid. */
export function usableLevels(q: NormalizedMetricQuery): typeof LEVELS {
  const step = q.stepNano;
  if (step === undefined) return [];
  return LEVELS.filter((l) => step % l.width === 0n && q.start % l.width === 0n);
}

type Group = {
  labels: Attributes;
  firstNs: bigint;
  type: InstrumentType;
  unit?: string;
  buckets: Map<bigint, Partial>;
};

/** Partials per label set and result bucket, combined as they arrive; `series()` finishes them as the reference. */
class Collector {
  private readonly groups = new Map<string, Group>();
  constructor(private readonly q: NormalizedMetricQuery) {}

  readonly put: Put = (labels, b, firstNs, type, unit, part) => {
    const key = labelsKey(labels);
    let g = this.groups.get(key);
    if (!g) {
      g = { labels, firstNs, type: type as InstrumentType, buckets: new Map() };
      if (unit) g.unit = unit;
      this.groups.set(key, g);
    } else if (firstNs < g.firstNs) {
      g.firstNs = firstNs;
      g.type = type as InstrumentType;
      if (unit) g.unit = unit;
      else delete g.unit;
    }
    const acc = g.buckets.get(b);
    if (acc) addPartial(acc, part);
    else g.buckets.set(b, { ...part });
  };

  series(): MetricSeries[] {
    const out: MetricSeries[] = [];
    for (const [, g] of [...this.groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const pts: MetricSeries['points'] = [];
      for (const [t, part] of [...g.buckets.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const value = finish(this.q.aggregation, part);
        if (value !== undefined && !Number.isNaN(value)) pts.push({ timeUnixNano: t, value });
      }
      const series: MetricSeries = { name: this.q.name, type: g.type, labels: g.labels, points: pts };
      if (g.unit) series.unit = g.unit;
      out.push(series);
    }
    return out;
  }
}

/** queryMetrics from the aggregate levels; `usableLevels(q)` must not be empty. Counts the levels read in `sh.stats`. */
export async function fromAggregate(sh: Shared, q: NormalizedMetricQuery): Promise<MetricSeries[]> {
  const step = q.stepNano!;
  const out = new Collector(q);
  // Longest run of whole buckets of each level, coarsest first; the finer levels take what is left at the end.
  let from = q.start;
  for (const level of usableLevels(q)) {
    const to = from + ((q.end - from) / level.width) * level.width;
    if (to <= from) continue;
    sh.stats.aggregateLevelReads[level.label]++;
    await readLevel(sh, q, level.view, from, to, out.put);
    from = to;
  }
  if (from < q.end) {
    for (const pt of await metricPoints(sh, q, from, q.end)) {
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
      const labels = labelsOf(q, pt.attributes, pt.resource?.attributes);
      out.put(labels, bucketStart(pt.timeUnixNano, q.start, step), pt.timeUnixNano, pt.type, pt.unit ?? null, part);
    }
  }
  return out.series();
}

type Put = (labels: Attributes, b: bigint, firstNs: bigint, type: string, unit: string | null, part: Partial) => void;

/**
 * Reads [from, to) of one level. When every filter is exact in SQL, the rows are grouped in SQL by result step and
 * label set (one row per step bucket and group comes back, not one per series and bucket); otherwise (a regex
 * filter, escaped strings) row by row with the exact filter in JS.
 */
async function readLevel(sh: Shared, q: NormalizedMetricQuery, view: string, from: bigint, to: bigint, put: Put) {
  const step = q.stepNano!;
  const p = new Params();
  const cond = metricWhere(q, p, 'c', 'bucket', from, to);
  const table = `${sh.schema}.${view}`;
  if (!cond.needsJs) {
    await readGrouped(sh, q, table, p, cond.sql, put);
    return;
  }
  const withResource = needsResource(q, cond);
  const rows = (
    await sh.pool.query<CaggRow>(
      `SELECT c.bucket, c.type, c.unit, c.attributes${withResource ? ', c.resource_attributes' : ''}, c.n, c.v_sum, c.v_min, c.v_max,
              c.hn, c.h_count, c.h_sum, c.h_min, c.h_max, c.first_ns
       FROM ${table} c WHERE ${cond.sql}`,
      p.values,
    )
  ).rows;
  for (const r of rows) {
    const attributes = attributesFromDb(r.attributes);
    const resource = withResource ? attributesFromDb(r.resource_attributes!) : undefined;
    if (!matchesAllFilters(q.attributes, attributes, resource!)) continue;
    put(
      labelsOf(q, attributes, resource),
      bucketStart(BigInt(r.bucket), q.start, step),
      BigInt(r.first_ns),
      r.type,
      r.unit === null ? null : unescapeText(r.unit),
      partialOf(r),
    );
  }
}

/**
 * Rows of `source` (alias c: bucket, partial columns, attributes) matching `where`, grouped in SQL by result step and
 * label set: one row per step bucket and group comes back.
 */
async function readGrouped(sh: Shared, q: NormalizedMetricQuery, source: string, p: Params, where: string, put: Put) {
  const step = q.stepNano!;
  const start = p.add(q.start.toString());
  const stepParam = p.add(step.toString());
  // The label columns: the whole attribute set without groupBy, else one column per listed key, taken from the
  // attributes or else the resource (labelsOf), NULL where neither has it. Type and unit are grouped on too (they are
  // one per series in practice), and the group keeps those of its earliest row, as the row-by-row path does.
  const keys = q.groupBy ?? [];
  const labelCols =
    q.groupBy === undefined
      ? ['c.attributes']
      : keys.map((k) => {
          const key = `${p.add(k)}::text`;
          return `coalesce(c.attributes -> ${key}, c.resource_attributes -> ${key})`;
        });
  const groupBy = Array.from({ length: labelCols.length + 3 }, (_, i) => i + 1).join(', ');
  const rows = (
    await sh.pool.query<GroupedRow & Record<string, string | null>>(
      `SELECT ${start}::bigint + ((c.bucket - ${start}::bigint) / ${stepParam}::bigint) * ${stepParam}::bigint AS b,
              ${labelCols.map((c, i) => `${c} AS l${i}, `).join('')}c.type, c.unit,
              sum(c.n) AS n, sum(c.v_sum) AS v_sum, min(c.v_min) AS v_min, max(c.v_max) AS v_max,
              sum(c.hn) AS hn, sum(c.h_count) AS h_count, sum(c.h_sum) AS h_sum, min(c.h_min) AS h_min,
              max(c.h_max) AS h_max, min(c.first_ns) AS first_ns
       FROM ${source} c WHERE ${where} GROUP BY ${groupBy}`,
      p.values,
    )
  ).rows;
  // Label sets repeat once per step bucket: decode each distinct one once.
  const decoded = new Map<string, Attributes>();
  for (const r of rows) {
    let text: string;
    if (q.groupBy === undefined) text = r.l0!;
    else {
      text = '{';
      keys.forEach((k, i) => {
        const v = r[`l${i}`];
        if (v !== null && v !== undefined) text += `${text.length > 1 ? ',' : ''}${JSON.stringify(k)}:${v}`;
      });
      text += '}';
    }
    let labels = decoded.get(text);
    if (!labels) {
      labels = decodeAttributes(jsonFromDb(text));
      decoded.set(text, labels);
    }
    put(labels, BigInt(r.b), BigInt(r.first_ns), r.type, r.unit === null ? null : unescapeText(r.unit), partialOf(r));
  }
}

/**
 * Plain PostgreSQL mode (no aggregates): the same partials computed from the raw points of the window, grouped in
 * SQL by step and label set, for `sum|avg|min|max|count` with a step and filters all exact in SQL; false when the
 * query needs the point-by-point path.
 */
export async function rawGrouped(sh: Shared, q: NormalizedMetricQuery): Promise<MetricSeries[] | undefined> {
  if (q.stepNano === undefined) return undefined;
  const p = new Params();
  const cond = metricWhere(q, p, 'c', 'bucket', q.start, q.end);
  if (cond.needsJs) return undefined;
  // Each point as the partials of one point, as metric_points_1m computes them (0004/0002 migrations).
  const source = `(SELECT m.time_ns AS bucket, m.name, m.service_name, m.type, m.unit, m.attributes, m.resource_attributes,
      (m.histogram IS NULL)::int AS n,
      CASE WHEN m.histogram IS NULL THEN coalesce(m.value, 0) END AS v_sum,
      CASE WHEN m.histogram IS NULL THEN coalesce(m.value, 0) END AS v_min,
      CASE WHEN m.histogram IS NULL THEN coalesce(m.value, 0) END AS v_max,
      (m.histogram IS NOT NULL)::int AS hn, m.h_count, coalesce(m.h_sum, 0) AS h_sum, m.h_min, m.h_max,
      m.time_ns AS first_ns
    FROM ${sh.schema}.metric_points m)`;
  const out = new Collector(q);
  await readGrouped(sh, q, source, p, cond.sql, out.put);
  return out.series();
}
