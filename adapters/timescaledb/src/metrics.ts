import type {
  Attributes,
  HistogramValue,
  InstrumentType,
  MetricCapabilities,
  MetricDescriptor,
  MetricPoint,
  MetricSeries,
  MetricStore,
  NormalizedMetricQuery,
  NormalizedRawPointQuery,
  Page,
  PointCursor,
  WriteResult,
} from '@rohas/telemetry/adapter';
import {
  ALL_AGGREGATIONS,
  ATTRIBUTE_OPERATORS,
  bucketStart,
  decodeAnyValue,
  decodeCursor,
  encodeCursor,
  histogramCodec,
  labelsKey,
  matchesAllFilters,
  seriesFromPoints,
} from '@rohas/telemetry/adapter';
import { attributesFromDb, METRIC_COLUMNS, METRIC_TYPES, type MetricDbRow, metricFromRow, metricRow } from './codec.js';
import { columnsOf, copyRow } from './copy-format.js';
import { copyIn, inTransaction } from './db.js';
import { writeFailure } from './errors.js';
import type { Shared, SqlFilter } from './internal-types.js';
import { allOf, attributeFilterSql, Params } from './sql-filters.js';
import { escapeNullable, escapeText, jsonFromDb, unescapeText } from './text-encoding.js';

const COLS = METRIC_COLUMNS.join(', ');
const MINUTE = 60_000_000_000n;
/** Aggregations the per-minute partials (count, sum, min, max) reproduce exactly; quantiles and `last` need points. */
const CAGG_AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count']);

/** Partial aggregates of some points of one series in one bucket: what the continuous aggregate stores per minute. */
interface Partial {
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
const emptyPartial = (): Partial => ({
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

function addPartial(a: Partial, b: Partial): void {
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
function finish(agg: string, p: Partial): number | undefined {
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

interface PointRow {
  time_ns: string;
  value: number | null;
  histogram: string | null;
  type: string;
  unit: string | null;
  attributes: string;
  resource_attributes?: string;
}

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

export function createMetricStore(sh: Shared): MetricStore {
  const S = sh.schema;
  const capabilities: MetricCapabilities = {
    aggregations: ALL_AGGREGATIONS,
    attributeOperators: ATTRIBUTE_OPERATORS,
    groupBy: true,
    exemplars: true,
    instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram', 'exponential_histogram'],
  };

  function where(
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

  /** Matching points in time order (ties in write order), filtered in SQL and, for regex / escaped strings, in JS. */
  async function points(q: NormalizedMetricQuery, start: bigint, end: bigint): Promise<MetricPoint[]> {
    const p = new Params();
    const cond = where(q, p, 'm', 'time_ns', start, end);
    const rows = (
      await sh.pool.query<PointRow>(
        `SELECT m.time_ns, m.value, m.histogram, m.type, m.unit, m.attributes${cond.needsJs ? ', m.resource_attributes' : ''}
         FROM ${S}.metric_points m WHERE ${cond.sql} ORDER BY m.time_ns, m.seq`,
        p.values,
      )
    ).rows;
    const out: MetricPoint[] = [];
    for (const r of rows) {
      const attributes = attributesFromDb(r.attributes);
      if (cond.needsJs && !matchesAllFilters(q.attributes, attributes, attributesFromDb(r.resource_attributes!)))
        continue;
      const point = {
        name: q.name,
        type: r.type as InstrumentType,
        attributes,
        timeUnixNano: BigInt(r.time_ns),
      } as MetricPoint;
      if (r.unit !== null) point.unit = unescapeText(r.unit);
      if (r.value !== null) point.value = r.value;
      if (r.histogram !== null) point.histogram = histogramCodec.decode(jsonFromDb(r.histogram));
      out.push(point);
    }
    return out;
  }

  const labelsOf = (q: NormalizedMetricQuery, attributes: Attributes): Attributes => {
    if (q.groupBy === undefined) return attributes;
    const labels: Attributes = {};
    for (const k of q.groupBy) if (attributes[k] !== undefined) labels[k] = attributes[k]!;
    return labels;
  };

  /**
   * queryMetrics from the per-minute continuous aggregate: the window's whole minutes come from metric_points_1m
   * (materialized rows plus real-time aggregation of minutes not yet materialized), a trailing part minute from the
   * raw table. Only used when start and step are whole minutes, so every minute lies inside one result bucket.
   */
  async function fromAggregate(q: NormalizedMetricQuery): Promise<MetricSeries[]> {
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
      time: bigint,
      firstNs: bigint,
      type: string,
      unit: string | null | undefined,
      part: Partial,
    ) => {
      const labels = labelsOf(q, attributes);
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
      const cond = where(q, p, 'c', 'bucket', q.start, alignedEnd);
      const rows = (
        await sh.pool.query<CaggRow>(
          `SELECT c.bucket, c.type, c.unit, c.attributes${cond.needsJs ? ', c.resource_attributes' : ''}, c.n, c.v_sum, c.v_min, c.v_max,
                  c.hn, c.h_count, c.h_sum, c.h_min, c.h_max, c.first_ns
           FROM ${S}.metric_points_1m c WHERE ${cond.sql}`,
          p.values,
        )
      ).rows;
      for (const r of rows) {
        const attributes = attributesFromDb(r.attributes);
        if (cond.needsJs && !matchesAllFilters(q.attributes, attributes, attributesFromDb(r.resource_attributes!)))
          continue;
        put(attributes, BigInt(r.bucket), BigInt(r.first_ns), r.type, r.unit === null ? null : unescapeText(r.unit), {
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
      }
    }
    if (alignedEnd < q.end) {
      for (const pt of await points(q, alignedEnd, q.end)) {
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
        put(pt.attributes, pt.timeUnixNano, pt.timeUnixNano, pt.type, pt.unit, part);
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

  return {
    capabilities,
    async write(batch): Promise<WriteResult> {
      if (batch.length === 0) return { ok: true };
      try {
        // First description, unit and type per name, in write order (the reference's listMetrics).
        const firsts = new Map<string, (typeof batch)[number]>();
        for (const p of batch) if (!firsts.has(p.name)) firsts.set(p.name, p);
        const d = [...firsts.values()];
        const descriptors = [
          d.map((p) => escapeText(p.name)),
          d.map((p) => escapeNullable(p.description || undefined)),
          d.map((p) => escapeNullable(p.unit || undefined)),
          d.map((p) => p.type),
        ];
        await inTransaction(sh.pool, async (client) => {
          if (sh.ingest === 'unnest') {
            const columns = columnsOf(batch.map(metricRow), METRIC_COLUMNS.length);
            const args = METRIC_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
            await client.query(`INSERT INTO ${S}.metric_points (${COLS}) SELECT * FROM unnest(${args})`, columns);
          } else {
            let csv = '';
            for (const p of batch) csv += copyRow(metricRow(p));
            await copyIn(client, `COPY ${S}.metric_points (${COLS}) FROM STDIN`, [csv]);
          }
          await client.query(
            `INSERT INTO ${S}.metric_descriptors (name, description, unit, type)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT (name) DO NOTHING`,
            descriptors,
          );
        });
        return { ok: true };
      } catch (error) {
        return writeFailure(`writing ${batch.length} metric points`, error);
      }
    },
    async queryMetrics(q) {
      const aligned = q.stepNano !== undefined && q.stepNano % MINUTE === 0n && q.start % MINUTE === 0n;
      if (sh.mode === 'timescaledb' && sh.useContinuousAggregate && aligned && CAGG_AGGREGATIONS.has(q.aggregation)) {
        sh.stats.continuousAggregateQueries++;
        return fromAggregate(q);
      }
      sh.stats.rawMetricQueries++;
      return seriesFromPoints(await points(q, q.start, q.end), q);
    },
    /**
     * Raw point read, keyset-paged on (time_ns, seq): the `metric_points_time` / `metric_points_name_time` indexes
     * find the page start, so a deep page costs what the first one costs.
     */
    async readPoints(q: NormalizedRawPointQuery): Promise<Page<MetricPoint>> {
      const p = new Params();
      const parts: SqlFilter[] = [];
      if (q.names.length > 0)
        parts.push({ sql: `m.name = ANY(${p.add(q.names.map((n) => escapeText(n)))}::text[])`, needsJs: false });
      if (q.start !== undefined)
        parts.push({ sql: `m.time_ns >= ${p.add(q.start.toString())}::bigint`, needsJs: false });
      if (q.end !== undefined) parts.push({ sql: `m.time_ns < ${p.add(q.end.toString())}::bigint`, needsJs: false });
      if (q.service !== undefined)
        parts.push({ sql: `m.service_name = ${p.add(escapeText(q.service))}`, needsJs: false });
      for (const f of q.attributes) parts.push(attributeFilterSql(f, p, 'm'));
      if (q.cursor) {
        const c = decodeCursor<PointCursor>(q.cursor);
        parts.push({
          sql: `(m.time_ns, m.seq) > (${p.add(c.t.toString())}::bigint, ${p.add(String(c.s))}::bigint)`,
          needsJs: false,
        });
      }
      const cond = parts.length > 0 ? allOf(parts) : { sql: 'true', needsJs: false };
      // With a JS-side filter a page of rows may hold fewer matches; the cursor follows the rows read, so none is lost.
      const rows = (
        await sh.pool.query<MetricDbRow>(
          `SELECT m.seq, ${COLS} FROM ${S}.metric_points m WHERE ${cond.sql} ORDER BY m.time_ns, m.seq LIMIT ${p.add(q.limit + 1)}`,
          p.values,
        )
      ).rows;
      const more = rows.length > q.limit;
      if (more) rows.length = q.limit;
      const items: MetricPoint[] = [];
      for (const r of rows) {
        const point = metricFromRow(r);
        if (cond.needsJs && !matchesAllFilters(q.attributes, point.attributes, point.resource.attributes)) continue;
        items.push(point);
      }
      const last = rows[rows.length - 1];
      return {
        items,
        ...(more && last
          ? { nextCursor: encodeCursor({ t: BigInt(last.time_ns), s: last.seq } satisfies PointCursor) }
          : {}),
      };
    },
    async listMetrics() {
      const rows = (
        await sh.pool.query<{ name: string; description: string | null; unit: string | null; type: string }>(
          `SELECT name, description, unit, type FROM ${S}.metric_descriptors`,
        )
      ).rows;
      return rows
        .map((r) => {
          const d: MetricDescriptor = { name: unescapeText(r.name), type: r.type as InstrumentType };
          if (r.description) d.description = unescapeText(r.description);
          if (r.unit) d.unit = unescapeText(r.unit);
          return d;
        })
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
  };
}
