/** Raw metric reads of queryMetrics: the SQL conditions of a query and its matching points. */
import type { Attributes, InstrumentType, MetricPoint, NormalizedMetricQuery } from '@rohas/telemetry/adapter';
import { histogramCodec, matchesAllFilters } from '@rohas/telemetry/adapter';
import { attributesFromDb } from './codec.js';
import type { Shared, SqlFilter } from './internal-types.js';
import { allOf, attributeFilterSql, Params } from './sql-filters.js';
import { escapeText, jsonFromDb, unescapeText } from './text-encoding.js';

interface PointRow {
  time_ns: string;
  value: number | null;
  histogram: string | null;
  type: string;
  unit: string | null;
  attributes: string;
  resource_attributes?: string;
}

/** Conditions of a metric query on table `alias` with time column `time` in [start, end), values bound in `p`. */
export function metricWhere(
  q: NormalizedMetricQuery,
  p: Params,
  alias: string,
  time: string,
  start: bigint,
  end: bigint,
): SqlFilter {
  const parts: SqlFilter[] = [
    { sql: `${alias}.name = ${p.add(escapeText(q.name))}`, needsJs: false },
    {
      sql: `${alias}.${time} >= ${p.add(start.toString())}::bigint AND ${alias}.${time} < ${p.add(end.toString())}::bigint`,
      needsJs: false,
    },
  ];
  if (q.service !== undefined)
    parts.push({ sql: `${alias}.service_name = ${p.add(escapeText(q.service))}`, needsJs: false });
  for (const f of q.attributes) parts.push(attributeFilterSql(f, p, alias));
  return allOf(parts);
}

/** Whether a read must fetch resource attributes: a JS-side filter, or a groupBy key that may come from the resource. */
export const needsResource = (q: NormalizedMetricQuery, cond: SqlFilter): boolean =>
  cond.needsJs || (q.groupBy !== undefined && q.groupBy.length > 0);

/**
 * The series labels of a point: its attributes, or with `groupBy` the listed keys, a key the attributes lack taken
 * from the resource (group by service.name), as the reference's seriesFromPoints does.
 */
export function labelsOf(
  q: NormalizedMetricQuery,
  attributes: Attributes,
  resource: Attributes | undefined,
): Attributes {
  if (q.groupBy === undefined) return attributes;
  const labels: Attributes = {};
  for (const k of q.groupBy) {
    const v = attributes[k] ?? resource?.[k];
    if (v !== undefined) labels[k] = v;
  }
  return labels;
}

/** Matching points in time order (ties in write order), filtered in SQL and, for regex / escaped strings, in JS. */
export async function metricPoints(
  sh: Shared,
  q: NormalizedMetricQuery,
  start: bigint,
  end: bigint,
): Promise<MetricPoint[]> {
  const p = new Params();
  const cond = metricWhere(q, p, 'm', 'time_ns', start, end);
  const withResource = needsResource(q, cond);
  const rows = (
    await sh.pool.query<PointRow>(
      `SELECT m.time_ns, m.value, m.histogram, m.type, m.unit, m.attributes${withResource ? ', m.resource_attributes' : ''}
       FROM ${sh.schema}.metric_points m WHERE ${cond.sql} ORDER BY m.time_ns, m.seq`,
      p.values,
    )
  ).rows;
  const out: MetricPoint[] = [];
  for (const r of rows) {
    const attributes = attributesFromDb(r.attributes);
    const resource = withResource ? attributesFromDb(r.resource_attributes!) : undefined;
    if (cond.needsJs && !matchesAllFilters(q.attributes, attributes, resource!)) continue;
    const point = {
      name: q.name,
      type: r.type as InstrumentType,
      attributes,
      timeUnixNano: BigInt(r.time_ns),
    } as MetricPoint;
    // Only the resource attributes: enough for groupBy to take a key such as service.name from it.
    if (resource) point.resource = { attributes: resource };
    if (r.unit !== null) point.unit = unescapeText(r.unit);
    if (r.value !== null) point.value = r.value;
    if (r.histogram !== null) point.histogram = histogramCodec.decode(jsonFromDb(r.histogram));
    out.push(point);
  }
  return out;
}
