import type {
  InstrumentType,
  MetricCapabilities,
  MetricDescriptor,
  MetricPoint,
  MetricStore,
  NormalizedRawPointQuery,
  Page,
  PointCursor,
  WriteResult,
} from '@rohas/telemetry/adapter';
import {
  ALL_AGGREGATIONS,
  ATTRIBUTE_OPERATORS,
  decodeCursor,
  encodeCursor,
  matchesAllFilters,
  seriesFromPoints,
} from '@rohas/telemetry/adapter';
import { METRIC_COLUMNS, METRIC_TYPES, type MetricDbRow, metricFromRow, metricRow } from './codec.js';
import { columnsOf, copyRow } from './copy-format.js';
import { copyIn, inTransaction } from './db.js';
import { writeFailure } from './errors.js';
import type { Shared, SqlFilter } from './internal-types.js';
import { fromAggregate, rawGrouped, usableLevels } from './metric-aggregate.js';
import { CAGG_AGGREGATIONS } from './metric-partials.js';
import { metricPoints } from './metric-reads.js';
import { allOf, attributeFilterSql, Params } from './sql-filters.js';
import { escapeNullable, escapeText, unescapeText } from './text-encoding.js';

const COLS = METRIC_COLUMNS.join(', ');

export function createMetricStore(sh: Shared): MetricStore {
  const S = sh.schema;
  const capabilities: MetricCapabilities = {
    aggregations: ALL_AGGREGATIONS,
    attributeOperators: ATTRIBUTE_OPERATORS,
    groupBy: true,
    // A groupBy key a point's attributes lack comes from its resource_attributes (metric-reads.ts labelsOf).
    groupByResource: true,
    exemplars: true,
    instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram', 'exponential_histogram'],
  };

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
      // Whole-minute (5-minute, hour) steps on a start on that grid: the continuous aggregates, coarsest first.
      const aligned = usableLevels(q).length > 0;
      if (sh.mode === 'timescaledb' && sh.useContinuousAggregate && aligned && CAGG_AGGREGATIONS.has(q.aggregation)) {
        sh.stats.continuousAggregateQueries++;
        return fromAggregate(sh, q);
      }
      sh.stats.rawMetricQueries++;
      // Plain PostgreSQL mode: the same partials from the raw points, grouped in SQL (no aggregate to read).
      if (sh.mode === 'postgres' && CAGG_AGGREGATIONS.has(q.aggregation)) {
        const grouped = await rawGrouped(sh, q);
        if (grouped) return grouped;
      }
      return seriesFromPoints(await metricPoints(sh, q, q.start, q.end), q);
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
          // The plain bound lets the (name, time_ns) / (time_ns) index seek start at the cursor.
          sql: `m.time_ns >= ${p.add(c.t.toString())}::bigint AND (m.time_ns, m.seq) > (${p.add(c.t.toString())}::bigint, ${p.add(String(c.s))}::bigint)`,
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
