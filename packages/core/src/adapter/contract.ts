/**
 * The adapter contract: what a storage backend implements and what the core hands it. It is kept to this one file
 * so an adapter author reads one page; the data model is in ../model.ts and the queries in ../query.ts.
 */
import type { InstrumentType, LogRecord, MetricPoint, SpanRecord } from '../model.js';
import type {
  AttributeOperator,
  MetricAggregation,
  MetricDescriptor,
  MetricSeries,
  NormalizedLogQuery,
  NormalizedMetricQuery,
  NormalizedRawPointQuery,
  NormalizedTraceQuery,
  Page,
  TraceSummary,
} from '../query.js';

/** What a trace store can search on, in the manner of Jaeger v2's SearchCapabilities. */
export interface TraceCapabilities {
  attributeOperators: readonly AttributeOperator[];
  /** Duration, status, service, name and time window filters. */
  filters: Array<'service' | 'name' | 'duration' | 'status' | 'time'>;
  paging: boolean;
}

export interface MetricCapabilities {
  aggregations: readonly MetricAggregation[];
  attributeOperators: readonly AttributeOperator[];
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
  attributeOperators: readonly AttributeOperator[];
  filters: Array<'severity' | 'text' | 'traceId' | 'spanId' | 'service' | 'time'>;
  paging: boolean;
  /**
   * How `text` is matched with `ignoreCase`: `unicode` (the reference: both sides `toLowerCase()`d), `ascii` (only
   * A–Z fold; other letters compare exactly). Absent: `ignoreCase` is refused.
   */
  ignoreCase?: 'unicode' | 'ascii';
}

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
  /**
   * Optional raw point read (see RawPointQuery): every stored point matching the query, losslessly, ascending by
   * `timeUnixNano` with ties in a stable store order, `limit` per page. Used by the PromQL API and export/copy.
   * Points of one series on one page may share their attribute, resource and scope objects: treat them as read-only.
   */
  readPoints?(query: NormalizedRawPointQuery): Promise<Page<MetricPoint>>;
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
  /**
   * The options of this backend as written under `[telemetry]` (or `[telemetry.<signal>]`): `type` plus the
   * adapter's own keys. Read them with `readOptions(context, optionsSchema)` from `@rohas/telemetry/adapter`.
   */
  options: AdapterOptions;
  retention: SignalRetention;
  /** Signals this adapter instance is asked to store. */
  signals: Array<'traces' | 'metrics' | 'logs'>;
  logger: DiagnosticLogger;
  /** Base directory that relative paths in the config are resolved against. */
  baseDir: string;
  /** The config file the options came from, for error messages; absent for a config built in code. */
  source?: string;
}

/** The raw options of one backend: its `type` and the adapter's own keys (validated by the adapter's schema). */
export interface AdapterOptions {
  type: string;
  [key: string]: unknown;
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
