import {
  type Attributes,
  decodeAttributes,
  type MetricDescriptor,
  type MetricPoint,
  type MetricSeries,
  matchesAllFilters,
  type NormalizedMetricQuery,
  seriesFromPoints,
} from '@rohas/telemetry/adapter';
import { num } from './codec.js';
import { queryFromRollup } from './metric-rollup-read.js';
import type { ReadContext, Row } from './read-context.js';

export function listMetrics(ctx: ReadContext): MetricDescriptor[] {
  const rows = ctx
    .stmt(
      'SELECT name, description, unit, type FROM metric_series WHERE id IN (SELECT MIN(id) FROM metric_series GROUP BY name) ORDER BY name',
    )
    .all() as Array<{ name: string; description: string | null; unit: string | null; type: string }>;
  return rows.map((r) => {
    const d: MetricDescriptor = { name: r.name, type: r.type as MetricDescriptor['type'] };
    if (r.description) d.description = r.description;
    if (r.unit) d.unit = r.unit;
    return d;
  });
}

interface SeriesRow {
  id: number;
  name: string;
  unit: string | null;
  type: string;
  attributes: string;
  resource_id: number;
}

export function queryMetrics(ctx: ReadContext, q: NormalizedMetricQuery): MetricSeries[] {
  const seriesRows = (
    q.service === undefined
      ? ctx.stmt('SELECT id, name, unit, type, attributes, resource_id FROM metric_series WHERE name = ?').all(q.name)
      : ctx
          .stmt(
            'SELECT id, name, unit, type, attributes, resource_id FROM metric_series WHERE name = ? AND service = ?',
          )
          .all(q.name, q.service)
  ) as SeriesRow[];
  const series = new Map<number, { attributes: Attributes; row: SeriesRow }>();
  for (const row of seriesRows) {
    const attributes = decodeAttributes(row.attributes);
    if (matchesAllFilters(q.attributes, attributes, ctx.resource(row.resource_id).attributes))
      series.set(row.id, { attributes, row });
  }
  if (series.size === 0) return [];
  // The rollup where it gives the raw points' answer (metric-rollup-read.ts says when); the raw points otherwise.
  const fromRollup = queryFromRollup(ctx, q, series);
  if (fromRollup) return fromRollup;
  const rows = ctx
    .stmt(
      `SELECT series_id, time_ns, value, data FROM metric_points
       WHERE series_id IN (SELECT value FROM json_each(?)) AND time_ns >= ? AND time_ns < ? ORDER BY time_ns, id`,
    )
    .safeIntegers(true)
    .all(JSON.stringify([...series.keys()]), q.start, q.end) as Row[];
  const points: MetricPoint[] = rows.map((r) => {
    const s = series.get(num(r.series_id))!;
    const p = {
      name: s.row.name,
      type: s.row.type,
      attributes: s.attributes,
      // The series' resource (cached per id), so groupBy can take a key such as service.name from it.
      resource: ctx.resource(s.row.resource_id),
      timeUnixNano: r.time_ns as bigint,
      ...(s.row.unit ? { unit: s.row.unit } : {}),
    } as MetricPoint;
    const data = r.data ? (JSON.parse(r.data as string) as { h?: MetricPoint['histogram']; v?: string }) : undefined;
    if (data?.h) p.histogram = data.h;
    else p.value = data?.v !== undefined ? Number(data.v) : (r.value as number);
    return p;
  });
  return seriesFromPoints(points, q);
}
