/**
 * The raw point read (`MetricStore.readPoints`): stored points as written, keyset-paged on (time_ns, id) so a deep
 * page costs what the first one costs (the `metric_points_time` index is on time_ns; ties are rare and read in id
 * order). Series are selected first (name, service, attributes over the small series table), points second.
 */
import {
  attributesFromJson,
  decodeAttributes,
  decodeCursor,
  type Exemplar,
  encodeCursor,
  type InstrumentationScope,
  type InstrumentType,
  type MetricPoint,
  matchesAllFilters,
  type NormalizedRawPointQuery,
  type Page,
  type PointCursor,
  type Resource,
  type Temporality,
} from '@rohas/telemetry/adapter';
import type BetterSqlite3 from 'better-sqlite3';
import { num } from './codec.js';

interface SeriesRow {
  id: number;
  name: string;
  description: string | null;
  unit: string | null;
  type: string;
  temporality: string;
  is_monotonic: number | null;
  attributes: string;
  resource_id: number;
  scope_id: number;
}

/** What the reader needs from the adapter: statements and the cached resource/scope lookups. */
export interface RawPointSource {
  stmt(sql: string): BetterSqlite3.Statement;
  resource(id: number): Resource;
  scope(id: number): InstrumentationScope;
}

const SERIES_COLUMNS =
  'id, name, description, unit, type, temporality, is_monotonic, attributes, resource_id, scope_id';

interface StoredData {
  h?: MetricPoint['histogram'];
  e?: MetricPoint['exponentialHistogram'];
  v?: string;
  x?: Array<{ t: string; v: number; tr?: string; sp?: string; a?: unknown }>;
}

function seriesRows(src: RawPointSource, q: NormalizedRawPointQuery): SeriesRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.names.length > 0) {
    where.push('name IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(q.names));
  }
  if (q.service !== undefined) {
    where.push('service = ?');
    params.push(q.service);
  }
  const sql = `SELECT ${SERIES_COLUMNS} FROM metric_series${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  return src.stmt(sql).all(...params) as SeriesRow[];
}

export function readRawPoints(src: RawPointSource, q: NormalizedRawPointQuery): Page<MetricPoint> {
  const rows = seriesRows(src, q);
  /** Per series, the objects its points share on this page (copies, so a caller's change never reaches the caches). */
  type Shared = {
    row: SeriesRow;
    attributes: MetricPoint['attributes'];
    resource?: Resource;
    scope?: InstrumentationScope;
  };
  const series = new Map<number, Shared>();
  for (const row of rows) {
    const attributes = decodeAttributes(row.attributes);
    if (matchesAllFilters(q.attributes, attributes, src.resource(row.resource_id).attributes))
      series.set(row.id, { row, attributes });
  }
  if (series.size === 0) return { items: [] };
  const where: string[] = [];
  const params: unknown[] = [];
  // Every series selected: no series condition, so an export of the whole store walks the time index alone.
  const all = q.names.length === 0 && q.service === undefined && q.attributes.length === 0;
  if (!all) {
    where.push('series_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify([...series.keys()]));
  }
  if (q.start !== undefined) {
    where.push('time_ns >= ?');
    params.push(q.start);
  }
  if (q.end !== undefined) {
    where.push('time_ns < ?');
    params.push(q.end);
  }
  if (q.cursor) {
    const c = decodeCursor<PointCursor>(q.cursor);
    where.push('(time_ns, id) > (?, ?)');
    params.push(c.t, BigInt(c.s));
  }
  params.push(q.limit + 1);
  const points = src
    .stmt(
      // The time index always: through the series index SQLite would sort every matching row of the window for each
      // page; walking (time_ns, id) reads one page's rows (plus the other series' rows between them).
      `SELECT id, series_id, start_ns, time_ns, value, data FROM metric_points INDEXED BY metric_points_time${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
       ORDER BY time_ns, id LIMIT ?`,
    )
    .safeIntegers(true)
    .all(...params) as Array<Record<string, unknown>>;
  const more = points.length > q.limit;
  if (more) points.length = q.limit;
  const items: MetricPoint[] = [];
  for (const r of points) {
    let s = series.get(num(r.series_id));
    if (!s && all) {
      // A series written between the two reads: read it now rather than skip its points.
      const row = src.stmt(`SELECT ${SERIES_COLUMNS} FROM metric_series WHERE id = ?`).get(num(r.series_id)) as
        | SeriesRow
        | undefined;
      if (row) {
        s = { row, attributes: decodeAttributes(row.attributes) };
        series.set(row.id, s);
      }
    }
    if (s) {
      s.resource ??= structuredClone(src.resource(num(s.row.resource_id)));
      s.scope ??= structuredClone(src.scope(num(s.row.scope_id)));
      items.push(pointFrom(s.row, s.attributes, s.resource, s.scope, r));
    }
  }
  const last = points[points.length - 1];
  return {
    items,
    ...(more && last
      ? { nextCursor: encodeCursor({ t: last.time_ns as bigint, s: String(last.id) } satisfies PointCursor) }
      : {}),
  };
}

/** One point; points of one series on one page share their attribute, resource and scope objects. */
function pointFrom(
  s: SeriesRow,
  attributes: MetricPoint['attributes'],
  resource: Resource,
  scope: InstrumentationScope,
  r: Record<string, unknown>,
): MetricPoint {
  const p: MetricPoint = {
    name: s.name,
    type: s.type as InstrumentType,
    temporality: s.temporality as Temporality,
    attributes,
    resource,
    scope,
    startTimeUnixNano: r.start_ns as bigint,
    timeUnixNano: r.time_ns as bigint,
  };
  if (s.description !== null) p.description = s.description;
  if (s.unit !== null) p.unit = s.unit;
  if (s.is_monotonic !== null) p.isMonotonic = num(s.is_monotonic) === 1;
  const data = r.data ? (JSON.parse(r.data as string) as StoredData) : undefined;
  if (data?.h) p.histogram = data.h;
  if (data?.e) p.exponentialHistogram = data.e;
  if (data?.v !== undefined) p.value = Number(data.v);
  else if (r.value !== null && r.value !== undefined) p.value = Number(r.value);
  if (data?.x) {
    p.exemplars = data.x.map((x) => {
      const e: Exemplar = {
        timeUnixNano: BigInt(x.t),
        value: x.v,
        filteredAttributes: attributesFromJson(x.a ?? {}),
      };
      if (x.tr !== undefined) e.traceId = x.tr;
      if (x.sp !== undefined) e.spanId = x.sp;
      return e;
    });
  }
  return p;
}
