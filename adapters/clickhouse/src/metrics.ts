import type {
  InstrumentType,
  MetricCapabilities,
  MetricDescriptor,
  MetricPoint,
  MetricStore,
  NormalizedMetricQuery,
  Temporality,
} from '@rohas/telemetry/adapter';
import {
  ALL_AGGREGATIONS,
  attributesFromJson,
  encodeAttributes,
  pointMatches,
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
import { insertRows, Params, rows, table } from './db.js';
import { writeFailure } from './errors.js';
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

function pointRow(p: MetricPoint): Record<string, unknown> {
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
    'Exemplars.Value': (p.exemplars ?? []).map((e) => e.value),
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
      zt: p.exponentialHistogram?.zeroThreshold,
    }),
  };
  if (p.type !== 'gauge') row.AggregationTemporality = TEMPORALITY[p.temporality];
  if (p.type === 'counter' || p.type === 'up_down_counter') row.IsMonotonic = p.isMonotonic ?? p.type === 'counter';
  if (p.histogram) {
    Object.assign(row, {
      Count: String(p.histogram.count),
      Sum: p.histogram.sum ?? 0,
      BucketCounts: p.histogram.counts.map(String),
      ExplicitBounds: p.histogram.bounds,
      Min: p.histogram.min ?? 0,
      Max: p.histogram.max ?? 0,
    });
  } else if (p.exponentialHistogram) {
    const e = p.exponentialHistogram;
    Object.assign(row, {
      Count: String(e.count),
      Sum: e.sum ?? 0,
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
    row.Value = p.value ?? 0;
  }
  return row;
}

const COMMON = `ResourceAttributes, ResourceAttributesTyped, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
  ScopeSchemaUrl, MetricName, MetricDescription, MetricUnit, Attributes, AttributesTyped,
  toString(toUnixTimestamp64Nano(StartTimeUnix)) AS st, toString(toUnixTimestamp64Nano(TimeUnix)) AS t, RohasExtra`;
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
    const sum = opt(x.ns, r.Sum);
    const min = opt(x.nm, r.Min);
    const max = opt(x.nx, r.Max);
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
    const sum = opt(x.ns, r.Sum);
    const min = opt(x.nm, r.Min);
    const max = opt(x.nx, r.Max);
    if (sum !== undefined) p.exponentialHistogram.sum = sum;
    if (min !== undefined) p.exponentialHistogram.min = min;
    if (max !== undefined) p.exponentialHistogram.max = max;
    if (x.zt !== undefined) p.exponentialHistogram.zeroThreshold = x.zt as number;
  } else {
    p.value = r.Value;
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
          const list = byKind.get(k);
          if (list) list.push(pointRow(p));
          else byKind.set(k, [pointRow(p)]);
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
