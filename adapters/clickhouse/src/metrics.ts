import type {
  Exemplar,
  InstrumentType,
  MetricCapabilities,
  MetricDescriptor,
  MetricPoint,
  MetricStore,
  NormalizedMetricQuery,
  NormalizedRawPointQuery,
  PointCursor,
  Temporality,
} from '@rohas/telemetry/adapter';
import {
  ALL_AGGREGATIONS,
  attributesFromJson,
  decodeCursor,
  encodeAttributes,
  pagePoints,
  pointMatches,
  QueryError,
  rawPointMatches,
  seriesFromPoints,
  serviceNameOf,
} from '@rohas/telemetry/adapter';
import {
  attributeCondition,
  decodeAttributeMaps,
  encodeAttributeMaps,
  extraJson,
  ns,
  parseExtra,
  serviceCondition,
} from './codec.js';
import { insertRows, nextStamp, Params, rows, table } from './db.js';
import { W, writeFailure } from './errors.js';
import type { Shared } from './internal-types.js';

/** OTLP AggregationTemporality numbers, as the Collector stores them. */
const TEMPORALITY: Record<Temporality, number> = { unspecified: 0, delta: 1, cumulative: 2 };
const TEMPORALITY_OF = ['unspecified', 'delta', 'cumulative'] as const;

type Kind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram';
const TABLE_OF: Record<InstrumentType, Kind> = {
  gauge: 'gauge',
  counter: 'sum',
  up_down_counter: 'sum',
  histogram: 'histogram',
  exponential_histogram: 'exponential_histogram',
};
const KINDS: Kind[] = ['gauge', 'sum', 'histogram', 'exponential_histogram'];
const tableName = (k: Kind) => `otel_metrics_${k}`;

/**
 * Float64 in JSONEachRow: ±Infinity and NaN as ClickHouse's quoted text (JSON has no such numbers; rows() reads them
 * back quoted, output_format_json_quote_denormals).
 */
const float = (v: number): number | string =>
  Number.isFinite(v) ? v : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
const num = (v: number | string): number =>
  typeof v === 'number'
    ? v
    : v === 'inf' || v === '+inf'
      ? Infinity
      : v === '-inf'
        ? -Infinity
        : v === 'nan' || v === '-nan'
          ? NaN
          : Number(v);

function pointRow(p: MetricPoint, seq: bigint): Record<string, unknown> {
  const attrs = encodeAttributeMaps(p.attributes);
  const res = encodeAttributeMaps(p.resource.attributes);
  const scope = encodeAttributeMaps(p.scope.attributes);
  const h = p.histogram ?? p.exponentialHistogram;
  const row: Record<string, unknown> = {
    ResourceAttributes: res.plain,
    ResourceSchemaUrl: p.resource.schemaUrl ?? '',
    ScopeName: p.scope.name,
    ScopeVersion: p.scope.version ?? '',
    ScopeAttributes: scope.plain,
    ScopeSchemaUrl: p.scope.schemaUrl ?? '',
    ServiceName: serviceNameOf(p.resource),
    MetricName: p.name,
    MetricDescription: p.description ?? '',
    MetricUnit: p.unit ?? '',
    Attributes: attrs.plain,
    StartTimeUnix: ns(p.startTimeUnixNano),
    TimeUnix: ns(p.timeUnixNano),
    Flags: 0,
    'Exemplars.FilteredAttributes': (p.exemplars ?? []).map((e) => encodeAttributeMaps(e.filteredAttributes).plain),
    'Exemplars.TimeUnix': (p.exemplars ?? []).map((e) => ns(e.timeUnixNano)),
    'Exemplars.Value': (p.exemplars ?? []).map((e) => float(e.value)),
    'Exemplars.SpanId': (p.exemplars ?? []).map((e) => e.spanId ?? ''),
    'Exemplars.TraceId': (p.exemplars ?? []).map((e) => e.traceId ?? ''),
    AttributesTyped: attrs.typed,
    ResourceAttributesTyped: res.typed,
    RohasExtra: extraJson({
      rd: p.resource.droppedAttributesCount,
      sa: Object.keys(scope.typed).length ? JSON.parse(encodeAttributes(p.scope.attributes)) : undefined,
      // Histogram fields the layout stores as 0 when absent.
      ns: h && h.sum === undefined ? 1 : undefined,
      nm: h && h.min === undefined ? 1 : undefined,
      nx: h && h.max === undefined ? 1 : undefined,
      // As text: 0 is a value here, and extraJson leaves zeros out.
      zt:
        p.exponentialHistogram?.zeroThreshold === undefined ? undefined : String(p.exponentialHistogram.zeroThreshold),
      // Typed filtered attributes of the exemplars, when any value is not a string (the map holds text only).
      ex: p.exemplars?.some((e) => Object.values(e.filteredAttributes).some((v) => typeof v !== 'string'))
        ? p.exemplars.map((e) => JSON.parse(encodeAttributes(e.filteredAttributes)))
        : undefined,
    }),
    RohasSeq: seq.toString(),
  };
  if (p.type !== 'gauge') row.AggregationTemporality = TEMPORALITY[p.temporality];
  if (p.type === 'counter' || p.type === 'up_down_counter') row.IsMonotonic = p.isMonotonic ?? p.type === 'counter';
  if (p.histogram) {
    Object.assign(row, {
      Count: String(p.histogram.count),
      Sum: float(p.histogram.sum ?? 0),
      BucketCounts: p.histogram.counts.map(String),
      ExplicitBounds: p.histogram.bounds,
      Min: p.histogram.min ?? 0,
      Max: p.histogram.max ?? 0,
    });
  } else if (p.exponentialHistogram) {
    const e = p.exponentialHistogram;
    Object.assign(row, {
      Count: String(e.count),
      Sum: float(e.sum ?? 0),
      Scale: e.scale,
      ZeroCount: String(e.zeroCount),
      PositiveOffset: e.positive.offset,
      PositiveBucketCounts: e.positive.bucketCounts.map(String),
      NegativeOffset: e.negative.offset,
      NegativeBucketCounts: e.negative.bucketCounts.map(String),
      Min: e.min ?? 0,
      Max: e.max ?? 0,
    });
  } else {
    row.Value = float(p.value ?? 0);
  }
  return row;
}

const COMMON = `ResourceAttributes, ResourceAttributesTyped, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
  ScopeSchemaUrl, MetricName, MetricDescription, MetricUnit, Attributes, AttributesTyped,
  toString(toUnixTimestamp64Nano(StartTimeUnix)) AS st, toString(toUnixTimestamp64Nano(TimeUnix)) AS t, RohasExtra,
  Exemplars.FilteredAttributes AS exa, arrayMap(x -> toString(toUnixTimestamp64Nano(x)), Exemplars.TimeUnix) AS ext,
  Exemplars.Value AS exv, Exemplars.SpanId AS exs, Exemplars.TraceId AS exi, toString(RohasSeq) AS seq`;
const SELECT: Record<Kind, string> = {
  gauge: `${COMMON}, Value`,
  sum: `${COMMON}, Value, AggregationTemporality, IsMonotonic`,
  histogram: `${COMMON}, toString(Count) AS cnt, Sum, arrayMap(x -> toString(x), BucketCounts) AS bc, ExplicitBounds, Min, Max, AggregationTemporality`,
  exponential_histogram: `${COMMON}, toString(Count) AS cnt, Sum, Scale, toString(ZeroCount) AS zc, PositiveOffset,
    arrayMap(x -> toString(x), PositiveBucketCounts) AS pbc, NegativeOffset, arrayMap(x -> toString(x), NegativeBucketCounts) AS nbc,
    Min, Max, AggregationTemporality`,
};

// biome-ignore lint/suspicious/noExplicitAny: one row shape per table, read field by field
type Row = Record<string, any>;

function pointFromRow(kind: Kind, r: Row): MetricPoint {
  const x = parseExtra(r.RohasExtra);
  const type: InstrumentType =
    kind === 'sum' ? (r.IsMonotonic ? 'counter' : 'up_down_counter') : kind === 'gauge' ? 'gauge' : kind;
  const p: MetricPoint = {
    name: r.MetricName,
    type,
    temporality:
      kind === 'gauge' ? 'unspecified' : (TEMPORALITY_OF[r.AggregationTemporality as number] ?? 'unspecified'),
    attributes: decodeAttributeMaps(r.Attributes, r.AttributesTyped),
    resource: { attributes: decodeAttributeMaps(r.ResourceAttributes, r.ResourceAttributesTyped) },
    scope: { name: r.ScopeName, attributes: x.sa ? attributesFromJson(x.sa) : r.ScopeAttributes },
    startTimeUnixNano: BigInt(r.st),
    timeUnixNano: BigInt(r.t),
  };
  const ex = x.ex as Array<Record<string, unknown>> | undefined;
  const exemplars: Exemplar[] = (r.ext as string[]).map((t, i) => {
    const e: Exemplar = {
      timeUnixNano: BigInt(t),
      value: num(r.exv[i]),
      filteredAttributes: ex?.[i] ? attributesFromJson(ex[i]) : r.exa[i],
    };
    if (r.exi[i]) e.traceId = r.exi[i];
    if (r.exs[i]) e.spanId = r.exs[i];
    return e;
  });
  if (exemplars.length) p.exemplars = exemplars;
  if (r.MetricDescription) p.description = r.MetricDescription;
  if (r.MetricUnit) p.unit = r.MetricUnit;
  if (r.ScopeVersion) p.scope.version = r.ScopeVersion;
  if (r.ScopeSchemaUrl) p.scope.schemaUrl = r.ScopeSchemaUrl;
  if (r.ResourceSchemaUrl) p.resource.schemaUrl = r.ResourceSchemaUrl;
  if (x.rd) p.resource.droppedAttributesCount = x.rd as number;
  if (kind === 'sum') p.isMonotonic = Boolean(r.IsMonotonic);
  const opt = (flag: unknown, v: number) => (flag ? undefined : v);
  if (kind === 'histogram') {
    p.histogram = {
      count: Number(r.cnt),
      bounds: r.ExplicitBounds,
      counts: (r.bc as string[]).map(Number),
    };
    const sum = opt(x.ns, num(r.Sum));
    const min = opt(x.nm, num(r.Min));
    const max = opt(x.nx, num(r.Max));
    if (sum !== undefined) p.histogram.sum = sum;
    if (min !== undefined) p.histogram.min = min;
    if (max !== undefined) p.histogram.max = max;
  } else if (kind === 'exponential_histogram') {
    p.exponentialHistogram = {
      count: Number(r.cnt),
      scale: r.Scale,
      zeroCount: Number(r.zc),
      positive: { offset: r.PositiveOffset, bucketCounts: (r.pbc as string[]).map(Number) },
      negative: { offset: r.NegativeOffset, bucketCounts: (r.nbc as string[]).map(Number) },
    };
    const sum = opt(x.ns, num(r.Sum));
    const min = opt(x.nm, num(r.Min));
    const max = opt(x.nx, num(r.Max));
    if (sum !== undefined) p.exponentialHistogram.sum = sum;
    if (min !== undefined) p.exponentialHistogram.min = min;
    if (max !== undefined) p.exponentialHistogram.max = max;
    if (x.zt !== undefined) p.exponentialHistogram.zeroThreshold = Number(x.zt);
  } else {
    p.value = num(r.Value);
  }
  return p;
}

/** The metrics part of the adapter over the Collector's otel_metrics_gauge / _sum / _histogram / _exponential_histogram. */
export function createMetricStore(sh: Shared): MetricStore {
  const capabilities: MetricCapabilities = {
    aggregations: [...ALL_AGGREGATIONS],
    // Points are narrowed in SQL and checked once more with the reference's own matcher, so regex is exact too.
    attributeOperators: ['=', '!=', 'exists', 'wildcard', 'regex'],
    groupBy: true,
    // seriesFromPoints takes a group-by key a point lacks from its resource, as the reference does.
    groupByResource: true,
    exemplars: true,
    instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram', 'exponential_histogram'],
  };
  const own = { plain: 'Attributes', typed: 'AttributesTyped' };
  const resource = { plain: 'ResourceAttributes', typed: 'ResourceAttributesTyped' };

  return {
    capabilities,
    async write(points) {
      try {
        const byKind = new Map<Kind, Record<string, unknown>[]>();
        for (const p of points) {
          const k = TABLE_OF[p.type];
          const row = pointRow(p, nextStamp());
          const list = byKind.get(k);
          if (list) list.push(row);
          else byKind.set(k, [row]);
        }
        await Promise.all([...byKind].map(([k, list]) => insertRows(sh, tableName(k), list)));
        return { ok: true };
      } catch (error) {
        return writeFailure(`writing ${points.length} metric points`, error);
      }
    },
    async queryMetrics(q: NormalizedMetricQuery) {
      const found = await Promise.all(
        KINDS.map(async (kind) => {
          const p = new Params();
          const where = [
            `MetricName = ${p.add(q.name, 'String')}`,
            `TimeUnix >= fromUnixTimestamp64Nano(${p.add(q.start.toString(), 'Int64')})`,
            `TimeUnix < fromUnixTimestamp64Nano(${p.add(q.end.toString(), 'Int64')})`,
          ];
          if (q.service !== undefined) where.push(serviceCondition(q.service, p));
          for (const f of q.attributes) if (f.op !== 'regex') where.push(attributeCondition(f, p, own, resource));
          const list = await rows<Row>(
            sh,
            `SELECT ${SELECT[kind]} FROM ${table(sh, tableName(kind))} WHERE ${where.join(' AND ')}`,
            p,
          );
          return list.map((r) => pointFromRow(kind, r));
        }),
      );
      const points = found.flat().filter((pt) => pointMatches(pt, q));
      return seriesFromPoints(points, q);
    },
    async readPoints(q: NormalizedRawPointQuery) {
      const after = q.cursor ? decodeCursor<PointCursor>(q.cursor) : undefined;
      // The tie key is `<table index>:<RohasSeq, 20 digits>`, so it orders as text across the four tables.
      const [afterKind, afterSeq] = after ? String(after.s).split(':') : [];
      if (after && (!/^\d$/.test(afterKind ?? '') || !/^\d{20}$/.test(afterSeq ?? '')))
        throw new QueryError(`${W} cursor is not one this store's raw point read issued`, 'cursor');
      if (after && typeof after.t !== 'bigint')
        throw new QueryError(`${W} cursor is not one this store's raw point read issued`, 'cursor');
      const needsCheck = q.attributes.some((f) => f.op === 'regex');
      const found = await Promise.all(
        KINDS.map(async (kind, k) => {
          const p = new Params();
          const where: string[] = [];
          if (q.names.length) where.push(`MetricName IN ${p.add(q.names, 'Array(String)')}`);
          if (q.start !== undefined)
            where.push(`TimeUnix >= fromUnixTimestamp64Nano(${p.add(q.start.toString(), 'Int64')})`);
          if (q.end !== undefined)
            where.push(`TimeUnix < fromUnixTimestamp64Nano(${p.add(q.end.toString(), 'Int64')})`);
          if (q.service !== undefined) where.push(serviceCondition(q.service, p));
          for (const f of q.attributes) if (f.op !== 'regex') where.push(attributeCondition(f, p, own, resource));
          if (after) {
            const t = `fromUnixTimestamp64Nano(${p.add(after.t.toString(), 'Int64')})`;
            const ak = Number(afterKind);
            where.push(
              k > ak
                ? `TimeUnix >= ${t}`
                : k < ak
                  ? `TimeUnix > ${t}`
                  : `(TimeUnix > ${t} OR (TimeUnix = ${t} AND RohasSeq > ${p.add(BigInt(afterSeq!).toString(), 'UInt64')}))`,
            );
          }
          // A regex is checked here after the read (RE2 is not ECMAScript), so the page cannot be cut in SQL then.
          const limit = needsCheck ? '' : `LIMIT ${p.add(q.limit + 1, 'UInt32')}`;
          const list = await rows<Row>(
            sh,
            `SELECT ${SELECT[kind]} FROM ${table(sh, tableName(kind))}
             ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY TimeUnix, RohasSeq ${limit}`,
            p,
          );
          return list.map((r) => ({ seq: `${k}:${String(r.seq).padStart(20, '0')}`, point: pointFromRow(kind, r) }));
        }),
      );
      return pagePoints(
        found.flat().filter((c) => rawPointMatches(c.point, q)),
        q,
      );
    },
    async listMetrics() {
      const found = await Promise.all(
        KINDS.map(async (kind) => {
          const list = await rows<{ n: string; d: string; u: string; m?: number }>(
            sh,
            `SELECT MetricName AS n, any(MetricDescription) AS d, any(MetricUnit) AS u${kind === 'sum' ? ', any(IsMonotonic) AS m' : ''}
             FROM ${table(sh, tableName(kind))} GROUP BY MetricName`,
          );
          return list.map((r) => {
            const type: InstrumentType =
              kind === 'sum' ? (r.m ? 'counter' : 'up_down_counter') : kind === 'gauge' ? 'gauge' : kind;
            const d: MetricDescriptor = { name: r.n, type };
            if (r.d) d.description = r.d;
            if (r.u) d.unit = r.u;
            return d;
          });
        }),
      );
      const seen = new Map<string, MetricDescriptor>();
      for (const d of found.flat()) if (!seen.has(d.name)) seen.set(d.name, d);
      return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    },
  };
}
