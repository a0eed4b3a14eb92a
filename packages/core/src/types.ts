/**
 * Public types of @rohas/telemetry: the backend-neutral data model, the adapter contract and the query API.
 *
 * Record fields use the OTLP JSON names. Times are nanoseconds since the Unix epoch as `bigint`, so they
 * round-trip exactly through every backend.
 */

// ---------------------------------------------------------------------------------------------------------------------
// Data model
// ---------------------------------------------------------------------------------------------------------------------

/** A scalar attribute value. `bigint` carries OTLP int64 values outside JavaScript's safe integer range. */
export type AttributeScalar = string | number | boolean | bigint;

/**
 * An attribute value with its OpenTelemetry type kept: scalars, homogeneous arrays as the OTel JS API has them,
 * and (for log bodies and OTLP `kvlistValue`/`bytesValue`) maps, bytes and null.
 */
export type AttributeValue = AttributeScalar | null | Uint8Array | AttributeValue[] | { [key: string]: AttributeValue };

/** Attributes as a plain object of typed values, as in the OpenTelemetry JS API. */
export type Attributes = Record<string, AttributeValue>;

/** The resource that produced the telemetry (`service.name`, `host.name`, ...). */
export interface Resource {
  attributes: Attributes;
  droppedAttributesCount?: number;
  schemaUrl?: string;
}

/** The instrumentation scope (library) that produced the telemetry. */
export interface InstrumentationScope {
  name: string;
  version?: string;
  attributes?: Attributes;
  schemaUrl?: string;
}

/** Span kind with the OTLP numbering (`SPAN_KIND_INTERNAL` = 1 ... `SPAN_KIND_CONSUMER` = 5). */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKindValue = (typeof SpanKind)[keyof typeof SpanKind];

/** Status code with the OTLP (and OTel JS API) numbering. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCodeValue = (typeof StatusCode)[keyof typeof StatusCode];

export interface SpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount?: number;
}

export interface SpanLink {
  /** Lowercase hex, 32 characters. */
  traceId: string;
  /** Lowercase hex, 16 characters. */
  spanId: string;
  traceState?: string;
  attributes: Attributes;
  droppedAttributesCount?: number;
}

/** One finished span, lossless. */
export interface SpanRecord {
  /** Lowercase hex, 32 characters. */
  traceId: string;
  /** Lowercase hex, 16 characters. */
  spanId: string;
  /** Lowercase hex, 16 characters; absent for a root span. */
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind: SpanKindValue;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  status: { code: StatusCodeValue; message?: string };
  attributes: Attributes;
  droppedAttributesCount?: number;
  events: SpanEvent[];
  droppedEventsCount?: number;
  links: SpanLink[];
  droppedLinksCount?: number;
  resource: Resource;
  scope: InstrumentationScope;
  /** W3C trace flags (OTLP `flags`). */
  flags?: number;
}

/** The kind of instrument a metric point came from. */
export type InstrumentType = 'counter' | 'up_down_counter' | 'gauge' | 'histogram' | 'exponential_histogram';

/** Aggregation temporality; gauges carry `'unspecified'`. */
export type Temporality = 'cumulative' | 'delta' | 'unspecified';

export interface HistogramValue {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  /** Explicit upper bounds; `counts` has `bounds.length + 1` entries. */
  bounds: number[];
  counts: number[];
}

export interface ExponentialHistogramValue {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  scale: number;
  zeroCount: number;
  zeroThreshold?: number;
  positive: { offset: number; bucketCounts: number[] };
  negative: { offset: number; bucketCounts: number[] };
}

export interface Exemplar {
  timeUnixNano: bigint;
  value: number;
  traceId?: string;
  spanId?: string;
  filteredAttributes: Attributes;
}

/** One data point of one metric stream. */
export interface MetricPoint {
  name: string;
  description?: string;
  unit?: string;
  type: InstrumentType;
  temporality: Temporality;
  /** For sums: whether the sum only goes up (a counter). */
  isMonotonic?: boolean;
  attributes: Attributes;
  resource: Resource;
  scope: InstrumentationScope;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  /** Value of a counter, up-down counter or gauge point. */
  value?: number;
  histogram?: HistogramValue;
  exponentialHistogram?: ExponentialHistogramValue;
  exemplars?: Exemplar[];
}

/** One log record, lossless. */
export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  /** 1..24 per the OpenTelemetry log data model; 0 when unset. */
  severityNumber: number;
  severityText?: string;
  body: AttributeValue;
  attributes: Attributes;
  droppedAttributesCount?: number;
  traceId?: string;
  spanId?: string;
  flags?: number;
  eventName?: string;
  resource: Resource;
  scope: InstrumentationScope;
}

// ---------------------------------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------------------------------

/** Attribute filter operators. Which ones an adapter supports is declared in its capabilities. */
export type AttributeOperator = '=' | '!=' | 'exists' | 'wildcard' | 'regex';

/**
 * One attribute condition. `=`/`!=` compare typed values (the number 200 is not the string "200");
 * `wildcard` matches a string value against a glob (`*` any run, `?` one character); `regex` against an
 * ECMAScript-compatible regular expression; `exists` ignores `value`.
 */
export interface AttributeFilter {
  key: string;
  op: AttributeOperator;
  value?: AttributeScalar;
}

/**
 * Attribute conditions as given by callers: a plain object means equality on every key
 * (`{ 'http.route': '/users' }`), an array gives the operator of each condition.
 */
export type AttributeQuery = Record<string, AttributeScalar> | AttributeFilter[];

/** Where a paged query left off; opaque to callers. */
export type Cursor = string;

export interface TraceQuery {
  /** `service.name` of any span in the trace. */
  service?: string;
  /** Span name of any span in the trace. */
  name?: string;
  /** Conditions that one span of the trace must all satisfy (span attributes, then resource attributes). */
  attributes?: AttributeQuery;
  /** Minimum duration of a matching span, in nanoseconds. */
  minDurationNano?: bigint;
  maxDurationNano?: bigint;
  /** Status of a matching span. */
  status?: 'unset' | 'ok' | 'error';
  /** Window on span start time, nanoseconds; `start` inclusive, `end` exclusive. */
  start?: bigint;
  end?: bigint;
  /** Page size; default 20, at most 1000. */
  limit?: number;
  cursor?: Cursor;
}

/** One trace in a search result. */
export interface TraceSummary {
  traceId: string;
  /** Service and name of the root span, or of the earliest span when the root has not arrived. */
  rootServiceName: string;
  rootSpanName: string;
  startTimeUnixNano: bigint;
  /** Latest end minus earliest start of all stored spans of the trace. */
  durationNano: bigint;
  spanCount: number;
  errorCount: number;
  services: string[];
}

export interface Page<T> {
  items: T[];
  /** Present when there may be more results: pass it back to get the next page. */
  nextCursor?: Cursor;
}

export type MetricAggregation = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'last' | 'p50' | 'p90' | 'p95' | 'p99';

export interface MetricQuery {
  name: string;
  /** Window on point time, nanoseconds; `start` inclusive, `end` exclusive. */
  start: bigint;
  end: bigint;
  /** Bucket width in nanoseconds; absent means one bucket over the whole window. */
  stepNano?: bigint;
  /**
   * How points in one bucket and group become one value. Default `avg`. For histograms `sum`, `count` and `avg`
   * use the histogram's sum and count, and `pNN` estimates the quantile from the merged buckets.
   */
  aggregation?: MetricAggregation;
  /**
   * Attribute keys that split the result into series. Absent: one series per distinct attribute set.
   * Empty array: all points merged into one series.
   */
  groupBy?: string[];
  attributes?: AttributeQuery;
  service?: string;
}

export interface MetricSeries {
  name: string;
  unit?: string;
  type: InstrumentType;
  /** Values of the group-by keys (all attributes when no group-by was given). */
  labels: Attributes;
  /** One value per non-empty bucket, ascending by time; `timeUnixNano` is the bucket start. */
  points: Array<{ timeUnixNano: bigint; value: number }>;
}

export interface MetricDescriptor {
  name: string;
  description?: string;
  unit?: string;
  type: InstrumentType;
}

export interface LogQuery {
  start?: bigint;
  end?: bigint;
  /** Lowest severity number to return (e.g. 13 = WARN). */
  minSeverity?: number;
  /** Case-sensitive substring of the body (a string body, or the JSON text of a structured one). */
  text?: string;
  traceId?: string;
  spanId?: string;
  service?: string;
  attributes?: AttributeQuery;
  /** Page size; default 100, at most 1000. */
  limit?: number;
  cursor?: Cursor;
  /** Default `desc` (newest first). */
  order?: 'asc' | 'desc';
}

/** Adapter-facing forms of the queries: attribute conditions normalized, limits resolved. */
export interface NormalizedTraceQuery extends Omit<TraceQuery, 'attributes' | 'limit'> {
  attributes: AttributeFilter[];
  limit: number;
}
export interface NormalizedMetricQuery extends Omit<MetricQuery, 'attributes' | 'aggregation'> {
  attributes: AttributeFilter[];
  aggregation: MetricAggregation;
}
export interface NormalizedLogQuery extends Omit<LogQuery, 'attributes' | 'limit' | 'order'> {
  attributes: AttributeFilter[];
  limit: number;
  order: 'asc' | 'desc';
}

/** The query API over stored telemetry, the same for every backend. */
export interface TelemetryQuery {
  findTraces(query?: TraceQuery): Promise<Page<TraceSummary>>;
  /** All stored spans of the trace ordered by start time, or `null` when none is stored. */
  getTrace(traceId: string): Promise<SpanRecord[] | null>;
  listServices(): Promise<string[]>;
  listOperations(service: string): Promise<string[]>;
  listMetrics(): Promise<MetricDescriptor[]>;
  queryMetrics(query: MetricQuery): Promise<MetricSeries[]>;
  queryLogs(query?: LogQuery): Promise<Page<LogRecord>>;
}

// ---------------------------------------------------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------------------------------------------------

/** What a trace store can search on, in the manner of Jaeger v2's SearchCapabilities. */
export interface TraceCapabilities {
  attributeOperators: AttributeOperator[];
  /** Duration, status, service, name and time window filters. */
  filters: Array<'service' | 'name' | 'duration' | 'status' | 'time'>;
  paging: boolean;
}

export interface MetricCapabilities {
  aggregations: MetricAggregation[];
  attributeOperators: AttributeOperator[];
  groupBy: boolean;
  /**
   * True when a `groupBy` key a point's attributes lack is taken from its resource (`service.name`, `host.name`), as
   * the reference does. Without it an adapter groups by point attributes only.
   */
  groupByResource?: boolean;
  exemplars: boolean;
  /** Instrument types that can be stored. */
  instrumentTypes: InstrumentType[];
}

export interface LogCapabilities {
  attributeOperators: AttributeOperator[];
  filters: Array<'severity' | 'text' | 'traceId' | 'spanId' | 'service' | 'time'>;
  paging: boolean;
}

// ---------------------------------------------------------------------------------------------------------------------
// Adapter contract
// ---------------------------------------------------------------------------------------------------------------------

/** What a write returns. Adapters never throw from writes: a failure is a result, as in the OTel exporter contract. */
export type WriteResult =
  | { ok: true }
  | { ok: false; error: Error /** true when a retry may succeed. */; retryable: boolean };

export interface TraceStore {
  readonly capabilities: TraceCapabilities;
  /** Stores a batch. Re-writing a span with the same trace and span id replaces it (no duplicates). */
  write(spans: SpanRecord[]): Promise<WriteResult>;
  findTraces(query: NormalizedTraceQuery): Promise<Page<TraceSummary>>;
  getTrace(traceId: string): Promise<SpanRecord[] | null>;
  listServices(): Promise<string[]>;
  listOperations(service: string): Promise<string[]>;
}

export interface MetricStore {
  readonly capabilities: MetricCapabilities;
  write(points: MetricPoint[]): Promise<WriteResult>;
  queryMetrics(query: NormalizedMetricQuery): Promise<MetricSeries[]>;
  listMetrics(): Promise<MetricDescriptor[]>;
}

export interface LogStore {
  readonly capabilities: LogCapabilities;
  write(records: LogRecord[]): Promise<WriteResult>;
  queryLogs(query: NormalizedLogQuery): Promise<Page<LogRecord>>;
}

/**
 * A pull backend's metric reader factory (Prometheus): the reader owns its endpoint and the core adds it to the
 * MeterProvider instead of a push exporter. `queryMetrics`, when present, answers reads (e.g. through the
 * Prometheus server's HTTP API).
 */
export interface MetricPullEndpoint {
  /** Returns an `@opentelemetry/sdk-metrics` MetricReader. Typed loosely so adapters need not share the SDK copy. */
  createReader(options: { cardinalityLimit: number; onOverflow?: (metricName: string) => void }): unknown;
  readonly capabilities?: MetricCapabilities;
  queryMetrics?(query: NormalizedMetricQuery): Promise<MetricSeries[]>;
  listMetrics?(): Promise<MetricDescriptor[]>;
}

export interface HealthStatus {
  ok: boolean;
  /** Short human-readable state, e.g. `sqlite 3.50.2 at .rohas/telemetry/telemetry.db`. */
  message: string;
  details?: Record<string, unknown>;
}

/**
 * One storage backend. Every part is optional: an adapter declares what it supports by providing it, and the
 * core never calls what is not there.
 */
export interface TelemetryAdapter {
  /** The adapter's type name as written in rohas.toml (`sqlite`, `timescaledb`, ...). */
  readonly type: string;
  traces?: TraceStore;
  metrics?: MetricStore;
  logs?: LogStore;
  metricsPull?: MetricPullEndpoint;
  /** Connects and applies migrations. Called once before any other method. */
  init(): Promise<void>;
  /**
   * Deletes data older than each signal's retention at `nowNano`. Returns rows removed per signal where known.
   * Adapters whose backend enforces retention itself may return an empty object.
   */
  retention(nowNano: bigint): Promise<RetentionResult>;
  health(): Promise<HealthStatus>;
  /** Releases connections. Called once; nothing is called after it. */
  close(): Promise<void>;
}

export interface RetentionResult {
  traces?: number;
  metrics?: number;
  logs?: number;
}

/** Retention per signal in days; 0 keeps forever. */
export interface SignalRetention {
  traces: number;
  metrics: number;
  logs: number;
}

/** What an adapter factory receives. */
export interface AdapterContext {
  /** The resolved options of this backend: the `[telemetry]` keys plus any backend-specific keys. */
  options: BackendConfig;
  retention: SignalRetention;
  /** Signals this adapter instance is asked to store. */
  signals: Array<'traces' | 'metrics' | 'logs'>;
  logger: DiagnosticLogger;
  /** Base directory that relative paths in the config are resolved against. */
  baseDir: string;
}

/** A function that builds an adapter; adapter packages export one as `createAdapter`. */
export type AdapterFactory = (context: AdapterContext) => TelemetryAdapter | Promise<TelemetryAdapter>;

/** Where rohas-telemetry reports its own problems (drops, retries, capability notes). */
export interface DiagnosticLogger {
  debug(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

// ---------------------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------------------

/** Options of one backend: the keys of the Rohas reference plus adapter-specific ones. */
export interface BackendConfig {
  /** Adapter type: `sqlite` (default), `timescaledb`, `influxdb`, `prometheus`, or a registered third-party type. */
  type: string;
  /** SQLite: directory (or `.db` file) of the database; default `.rohas/telemetry`. */
  path?: string;
  /** Prometheus: URL of the Prometheus server that reads are answered from. */
  endpoint?: string;
  /** InfluxDB: server URL. */
  url?: string;
  /** InfluxDB 1.x: database name. */
  database?: string;
  /** InfluxDB 1.x: retention policy name. */
  retention_policy?: string;
  /** TimescaleDB / PostgreSQL: `postgresql://...` URL. */
  connection_string?: string;
  /** Retention in days; 0 keeps forever. */
  retention_days?: number;
  [key: string]: unknown;
}

export interface SignalConfig extends Partial<BackendConfig> {
  enabled?: boolean;
}

export interface BatchConfig {
  /** Largest batch handed to the adapter in one write. */
  max_batch_size: number;
  /** How long a partial batch waits before it is written, ms. */
  flush_interval_ms: number;
  /** Items held while the backend is slow or down; beyond it the oldest batch is dropped and counted. */
  max_queue_size: number;
  /**
   * Batches written at once. Two keep a backend busy while the next batch is converted (SQLite's write thread,
   * a PostgreSQL pool, InfluxDB); ordering between batches is not kept either way.
   */
  max_concurrency: number;
  /** Retry delay bounds for a failed write, ms (exponential backoff with jitter between them). */
  retry_initial_ms: number;
  retry_max_ms: number;
  /** How long shutdown() waits for queued writes before counting the rest as dropped, ms. */
  shutdown_timeout_ms: number;
}

/** The resolved `[telemetry]` configuration that createTelemetry takes. */
export interface TelemetryConfig extends BackendConfig {
  retention_days: number;
  max_cache_size: number;
  enable_traces: boolean;
  enable_metrics: boolean;
  enable_logs: boolean;
  service_name: string;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES merges into this). */
  resource_attributes: Record<string, string>;
  /** Fraction of traces kept, 0..1 (parent-based ratio sampler). */
  sampling_ratio: number;
  /** How often metrics are collected and written, ms. */
  metric_export_interval_ms: number;
  /** Attribute sets per metric before the SDK folds the rest into an overflow series. */
  max_series_per_metric: number;
  /** How often the retention sweep runs, ms; 0 disables the sweep. */
  retention_interval_ms: number;
  batch: BatchConfig;
  traces?: SignalConfig;
  metrics?: SignalConfig;
  logs?: SignalConfig;
  server?: ServerConfig;
  /** The file the config was read from, for error messages. */
  source?: string;
  /** Directory relative paths (such as the SQLite `path`) are resolved against; default the working directory. */
  baseDir?: string;
}

export interface ServerConfig {
  host?: string;
  port?: number;
  token?: string;
  cors?: boolean | string[];
  max_body_bytes?: number;
}
