/*
 * The tables of the OpenTelemetry Collector's ClickHouse exporter (opentelemetry-collector-contrib,
 * exporter/clickhouseexporter/internal/sqltemplates), written here from its DDL; column names and types as there:
 *   traces_table.sql                 @ 2bf6b9e1f8c8716ab54eaac1635e56b4d0649900
 *   traces_id_ts_lookup_table.sql    @ 1b08503058e58c68b9175b4d0663d0aaf16b5398
 *   traces_id_ts_lookup_mv.sql       @ 57b29d74154d72320747c8dd2a0b4a1629a39187
 *   logs_table.sql, metrics_gauge_table.sql, metrics_exp_histogram_table.sql @ e3bd2d1d648f1868f50a8f2c1b68f7ce451ee6eb
 *   metrics_sum_table.sql            @ 8090d3c8ba8acfa230ff78df7528065be6bb2284
 *   metrics_histogram_table.sql      @ 61540ced55e993255df9bcfca48ed89a87d3914f
 *   metrics_summary_table.sql        @ 4d14328b3c3f47870f98155a34f2950417eca7ea
 * What rohas adds (README "Differences from the Collector's layout"): `...Typed` maps beside each attribute map, a
 * `RohasExtra` JSON column, `BodyTyped` and `RohasSeq` on logs, and on spans a `RohasVersion` (write time) with
 * ReplacingMergeTree(RohasVersion) and (TraceId, SpanId) at the end of the sort key. Reads never rely on merges (nor
 * on FINAL): they take each span's newest copy by RohasVersion, so the last write wins before, after and without a
 * merge (a copy whose name or start changed sorts elsewhere and is never merged away, so this matters).
 * Every statement is idempotent (IF NOT EXISTS), so several processes may migrate at once.
 */

import { quoteIdent } from './db.js';
import type { Shared } from './internal-types.js';

type Column = [name: string, type: string];

const MAP = 'Map(LowCardinality(String), String) CODEC(ZSTD(1))';
const Z = 'CODEC(ZSTD(1))';

const RESOURCE_SCOPE: Column[] = [
  ['ResourceAttributes', MAP],
  ['ResourceSchemaUrl', `String ${Z}`],
  ['ScopeName', `String ${Z}`],
  ['ScopeVersion', `String ${Z}`],
  ['ScopeAttributes', MAP],
  ['ScopeDroppedAttrCount', `UInt32 ${Z}`],
  ['ScopeSchemaUrl', `String ${Z}`],
  ['ServiceName', `LowCardinality(String) ${Z}`],
  ['MetricName', `String ${Z}`],
  ['MetricDescription', `String ${Z}`],
  ['MetricUnit', `String ${Z}`],
  ['Attributes', MAP],
  ['StartTimeUnix', `DateTime64(9) CODEC(Delta, ZSTD(1))`],
  ['TimeUnix', `DateTime64(9) CODEC(Delta, ZSTD(1))`],
];
const EXEMPLARS: Column = [
  'Exemplars',
  `Nested (FilteredAttributes Map(LowCardinality(String), String), TimeUnix DateTime64(9), Value Float64, SpanId String, TraceId String) ${Z}`,
];
/** Columns rohas adds to every metrics table. */
const METRIC_ROHAS: Column[] = [
  ['AttributesTyped', MAP],
  ['ResourceAttributesTyped', MAP],
  ['RohasExtra', `String ${Z}`],
  // Store order of points with the same TimeUnix, for the raw point read's pages (nextStamp() when rohas writes;
  // rows another writer inserted get a stable hash of their content instead).
  ['RohasSeq', 'UInt64 DEFAULT cityHash64(MetricName, Attributes, ResourceAttributes, StartTimeUnix, TimeUnix)'],
];
const ATTR_INDEXES = [
  'INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
];
const METRIC_ORDER =
  'PARTITION BY toDate(TimeUnix) ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))';

export interface TableSpec {
  name: string;
  columns: Column[];
  /** Columns rohas adds: also added with ALTER ... ADD COLUMN IF NOT EXISTS to a table a Collector created. */
  added: Column[];
  indexes: string[];
  engine: 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree';
  /** Arguments of the engine (the version column of ReplacingMergeTree); the Replicated engine takes the same. */
  engineArgs?: string;
  /** PARTITION BY / PRIMARY KEY / ORDER BY clauses. */
  keys: string;
  /** The DateTime expression retention TTL counts from. */
  ttlColumn: string;
  /** Sharding key of the Distributed table in cluster mode. */
  shardBy: string;
}

export const TABLES: Record<string, TableSpec> = {
  otel_traces: {
    name: 'otel_traces',
    columns: [
      ['Timestamp', 'DateTime64(9) CODEC(Delta(8), ZSTD(1))'],
      ['TraceId', `String ${Z}`],
      ['SpanId', `String ${Z}`],
      ['ParentSpanId', `String ${Z}`],
      ['TraceState', `String ${Z}`],
      ['SpanName', `LowCardinality(String) ${Z}`],
      ['SpanKind', `LowCardinality(String) ${Z}`],
      ['ServiceName', `LowCardinality(String) ${Z}`],
      ['ResourceAttributes', MAP],
      ['ScopeName', `String ${Z}`],
      ['ScopeVersion', `String ${Z}`],
      ['SpanAttributes', MAP],
      ['Duration', `UInt64 CODEC(T64, ZSTD(1))`],
      ['StatusCode', `LowCardinality(String) ${Z}`],
      ['StatusMessage', `String ${Z}`],
      [
        'Events',
        `Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) ${Z}`,
      ],
      [
        'Links',
        `Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) ${Z}`,
      ],
    ],
    added: [
      ['SpanAttributesTyped', MAP],
      ['ResourceAttributesTyped', MAP],
      ['RohasExtra', `String ${Z}`],
      // The write time in nanoseconds (monotonic per process): the last write of a span wins. Rows a Collector wrote
      // get 0 (one copy each). Reads pick the newest copy by it (argMax / ORDER BY ... LIMIT 1 BY), merges keep it.
      ['RohasVersion', `UInt64 DEFAULT 0 ${Z}`],
    ],
    indexes: [
      'INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1',
      'INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_duration Duration TYPE minmax GRANULARITY 1',
      'INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8',
    ],
    engine: 'ReplacingMergeTree',
    engineArgs: 'RohasVersion',
    keys: 'PARTITION BY toDate(Timestamp) PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp)) ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp, TraceId, SpanId)',
    ttlColumn: 'toDateTime(Timestamp)',
    shardBy: 'cityHash64(TraceId)',
  },
  otel_traces_trace_id_ts: {
    name: 'otel_traces_trace_id_ts',
    columns: [
      ['TraceId', `String ${Z}`],
      ['Start', `SimpleAggregateFunction(min, DateTime) ${Z}`],
      ['End', `SimpleAggregateFunction(max, DateTime) ${Z}`],
    ],
    added: [],
    indexes: [],
    engine: 'AggregatingMergeTree',
    keys: 'PARTITION BY toStartOfWeek(Start) ORDER BY (TraceId)',
    ttlColumn: 'Start',
    shardBy: 'cityHash64(TraceId)',
  },
  otel_logs: {
    name: 'otel_logs',
    columns: [
      ['Timestamp', 'DateTime64(9) CODEC(Delta(8), ZSTD(1))'],
      ['TimestampTime', 'DateTime DEFAULT toDateTime(Timestamp)'],
      ['TraceId', `String ${Z}`],
      ['SpanId', `String ${Z}`],
      ['TraceFlags', 'UInt8'],
      ['SeverityText', `LowCardinality(String) ${Z}`],
      ['SeverityNumber', 'UInt8'],
      ['ServiceName', `LowCardinality(String) ${Z}`],
      ['Body', `String ${Z}`],
      ['ResourceSchemaUrl', `LowCardinality(String) ${Z}`],
      ['ResourceAttributes', MAP],
      ['ScopeSchemaUrl', `LowCardinality(String) ${Z}`],
      ['ScopeName', `String ${Z}`],
      ['ScopeVersion', `LowCardinality(String) ${Z}`],
      ['ScopeAttributes', MAP],
      ['LogAttributes', MAP],
      ['EventName', `String ${Z}`],
    ],
    added: [
      ['LogAttributesTyped', MAP],
      ['ResourceAttributesTyped', MAP],
      ['BodyTyped', `String ${Z}`],
      ['RohasExtra', `String ${Z}`],
      // Store order of records with the same Timestamp (the reference breaks ties with it). Rows another writer
      // inserted get a stable hash of their content instead.
      ['RohasSeq', 'UInt64 DEFAULT cityHash64(Timestamp, TraceId, SpanId, Body, LogAttributes)'],
    ],
    indexes: [
      'INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1',
      'INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8',
    ],
    engine: 'MergeTree',
    keys: 'PARTITION BY toDate(TimestampTime) PRIMARY KEY (ServiceName, TimestampTime) ORDER BY (ServiceName, TimestampTime, Timestamp)',
    ttlColumn: 'TimestampTime',
    shardBy: 'rand()',
  },
  otel_metrics_gauge: {
    name: 'otel_metrics_gauge',
    columns: [...RESOURCE_SCOPE, ['Value', `Float64 ${Z}`], ['Flags', `UInt32 ${Z}`], EXEMPLARS],
    added: METRIC_ROHAS,
    indexes: ATTR_INDEXES,
    engine: 'MergeTree',
    keys: METRIC_ORDER,
    ttlColumn: 'toDateTime(TimeUnix)',
    shardBy: 'rand()',
  },
  otel_metrics_sum: {
    name: 'otel_metrics_sum',
    columns: [
      ...RESOURCE_SCOPE,
      ['Value', `Float64 ${Z}`],
      ['Flags', `UInt32 ${Z}`],
      EXEMPLARS,
      ['AggregationTemporality', `Int32 ${Z}`],
      ['IsMonotonic', 'Boolean CODEC(Delta, ZSTD(1))'],
    ],
    added: METRIC_ROHAS,
    indexes: ATTR_INDEXES,
    engine: 'MergeTree',
    keys: METRIC_ORDER,
    ttlColumn: 'toDateTime(TimeUnix)',
    shardBy: 'rand()',
  },
  otel_metrics_histogram: {
    name: 'otel_metrics_histogram',
    columns: [
      ...RESOURCE_SCOPE,
      ['Count', 'UInt64 CODEC(Delta, ZSTD(1))'],
      ['Sum', `Float64 ${Z}`],
      ['BucketCounts', `Array(UInt64) ${Z}`],
      ['ExplicitBounds', `Array(Float64) ${Z}`],
      EXEMPLARS,
      ['Flags', `UInt32 ${Z}`],
      ['Min', `Float64 ${Z}`],
      ['Max', `Float64 ${Z}`],
      ['AggregationTemporality', `Int32 ${Z}`],
    ],
    added: METRIC_ROHAS,
    indexes: ATTR_INDEXES,
    engine: 'MergeTree',
    keys: METRIC_ORDER,
    ttlColumn: 'toDateTime(TimeUnix)',
    shardBy: 'rand()',
  },
  otel_metrics_exponential_histogram: {
    name: 'otel_metrics_exponential_histogram',
    columns: [
      ...RESOURCE_SCOPE,
      ['Count', 'UInt64 CODEC(Delta, ZSTD(1))'],
      ['Sum', `Float64 ${Z}`],
      ['Scale', `Int32 ${Z}`],
      ['ZeroCount', `UInt64 ${Z}`],
      ['PositiveOffset', `Int32 ${Z}`],
      ['PositiveBucketCounts', `Array(UInt64) ${Z}`],
      ['NegativeOffset', `Int32 ${Z}`],
      ['NegativeBucketCounts', `Array(UInt64) ${Z}`],
      EXEMPLARS,
      ['Flags', `UInt32 ${Z}`],
      ['Min', `Float64 ${Z}`],
      ['Max', `Float64 ${Z}`],
      ['AggregationTemporality', `Int32 ${Z}`],
    ],
    added: METRIC_ROHAS,
    indexes: ATTR_INDEXES,
    engine: 'MergeTree',
    keys: METRIC_ORDER,
    ttlColumn: 'toDateTime(TimeUnix)',
    shardBy: 'rand()',
  },
  otel_metrics_summary: {
    name: 'otel_metrics_summary',
    columns: [
      ...RESOURCE_SCOPE,
      ['Count', 'UInt64 CODEC(Delta, ZSTD(1))'],
      ['Sum', `Float64 ${Z}`],
      ['ValueAtQuantiles', `Nested (Quantile Float64, Value Float64) ${Z}`],
      ['Flags', `UInt32 ${Z}`],
    ],
    added: [],
    indexes: ATTR_INDEXES,
    engine: 'MergeTree',
    keys: METRIC_ORDER,
    ttlColumn: 'toDateTime(TimeUnix)',
    shardBy: 'rand()',
  },
};

export const SIGNAL_TABLES = {
  traces: ['otel_traces', 'otel_traces_trace_id_ts'],
  logs: ['otel_logs'],
  metrics: [
    'otel_metrics_gauge',
    'otel_metrics_sum',
    'otel_metrics_histogram',
    'otel_metrics_exponential_histogram',
    'otel_metrics_summary',
  ],
} as const;

/**
 * Days the table TTL waits beyond retention_days. The exact cut is the core's retention sweep (retention(), a
 * lightweight DELETE); the TTL is the server's own backstop for when no rohas process runs the sweep, and drops
 * whole parts only (ttl_only_drop_parts), so a margin keeps it from racing the sweep or a late batch.
 */
export const TTL_MARGIN_DAYS = 3;

function ttlClause(spec: TableSpec, days: number): string {
  return days > 0 ? `TTL ${spec.ttlColumn} + toIntervalDay(${Math.ceil(days) + TTL_MARGIN_DAYS})` : '';
}

/** The statements that create one table (and, in cluster mode, the Distributed table in front of it). */
export function createStatements(
  sh: Pick<Shared, 'db' | 'cluster' | 'onCluster'>,
  spec: TableSpec,
  days: number,
): string[] {
  const local = quoteIdent(sh.cluster ? `${spec.name}_local` : spec.name);
  const engine = `${sh.cluster ? `Replicated${spec.engine}` : spec.engine}(${spec.engineArgs ?? ''})`;
  const body = [...[...spec.columns, ...spec.added].map(([n, t]) => `${quoteIdent(n)} ${t}`), ...spec.indexes].join(
    ',\n  ',
  );
  const out = [
    `CREATE TABLE IF NOT EXISTS ${sh.db}.${local} ${sh.onCluster} (\n  ${body}\n) ENGINE = ${engine}\n${spec.keys}\n${ttlClause(spec, days)}\nSETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
  ];
  for (const [n, t] of spec.added) {
    out.push(`ALTER TABLE ${sh.db}.${local} ${sh.onCluster} ADD COLUMN IF NOT EXISTS ${quoteIdent(n)} ${t}`);
  }
  if (days > 0) {
    out.push(
      `ALTER TABLE ${sh.db}.${local} ${sh.onCluster} MODIFY ${ttlClause(spec, days)} SETTINGS materialize_ttl_after_modify = 0`,
    );
  }
  if (sh.cluster) {
    out.push(
      `CREATE TABLE IF NOT EXISTS ${sh.db}.${quoteIdent(spec.name)} ${sh.onCluster} AS ${sh.db}.${local} ENGINE = Distributed(${quoteIdent(sh.cluster)}, ${sh.db}, ${local}, ${spec.shardBy})`,
    );
    // A Distributed table made before rohas added its columns needs them too.
    for (const [n, t] of spec.added) {
      out.push(
        `ALTER TABLE ${sh.db}.${quoteIdent(spec.name)} ${sh.onCluster} ADD COLUMN IF NOT EXISTS ${quoteIdent(n)} ${t.replace(/ DEFAULT .*$/, '')}`,
      );
    }
  }
  return out;
}

/** The materialized view that fills the trace-id lookup table (shard-local in cluster mode). */
export function lookupViewStatement(sh: Pick<Shared, 'db' | 'cluster' | 'onCluster'>): string {
  const sfx = sh.cluster ? '_local' : '';
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${sh.db}.${quoteIdent('otel_traces_trace_id_ts_mv')} ${sh.onCluster}
TO ${sh.db}.${quoteIdent(`otel_traces_trace_id_ts${sfx}`)}
AS SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End
FROM ${sh.db}.${quoteIdent(`otel_traces${sfx}`)}
WHERE TraceId != ''
GROUP BY TraceId`;
}

/** Errors a concurrent migration by another process may cause, after which the object exists: safe to go on. */
export function isRaceOfConcurrentMigration(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '');
  // TABLE_ALREADY_EXISTS, DATABASE_ALREADY_EXISTS, DUPLICATE_COLUMN, a DDL in progress on the same table.
  return ['57', '82', '15', '473', '517'].includes(code);
}

export async function migrate(
  sh: Shared,
  signals: Set<'traces' | 'metrics' | 'logs'>,
  retention: { traces: number; metrics: number; logs: number },
): Promise<void> {
  const run = async (query: string) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await sh.client.command({ query, clickhouse_settings: { wait_end_of_query: 1 } });
        return;
      } catch (error) {
        if (!isRaceOfConcurrentMigration(error)) throw error;
        // Another process created it at the same moment: the statement is idempotent, so run it again to be sure.
        if (attempt >= 3) return;
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
  };
  await run(`CREATE DATABASE IF NOT EXISTS ${sh.db} ${sh.onCluster}`);
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    if (!signals.has(signal)) continue;
    for (const name of SIGNAL_TABLES[signal]) {
      for (const statement of createStatements(sh, TABLES[name]!, retention[signal])) await run(statement);
    }
    if (signal === 'traces') await run(lookupViewStatement(sh));
  }
}
