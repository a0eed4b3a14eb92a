/**
 * Public types of @rohas/telemetry. The configuration types live here; the data model (model.ts), the query API
 * (query.ts) and the adapter contract (adapter/contract.ts) are re-exported so `import type { ... } from
 * './types.js'` keeps working inside the core.
 */
export type * from './adapter/contract.js';
export * from './model.js';
export * from './query.js';

/**
 * Options of one backend: its `type`, `retention_days`, and the adapter's own keys (each adapter package declares
 * them in its `optionsSchema`; the core validates them against it).
 */
export interface BackendConfig {
  /** Adapter type: `sqlite` (default), `timescaledb`, `influxdb`, `prometheus`, or a registered third-party type. */
  type: string;
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
export interface TelemetryConfig extends BackendConfig, SdkConfig {
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
  /** OTLP/gRPC port of `rohas-telemetry serve`; default 4317, 0 disables the gRPC receiver. */
  grpc_port?: number;
  token?: string;
  cors?: boolean | string[];
  max_body_bytes?: number;
  /** Largest OTLP/HTTP body after its Content-Encoding is undone (gzip, deflate); default `max_body_bytes`. */
  max_decoded_bytes?: number;
  /** Most attribute key-values and AnyValues one protobuf request may build, after the count limits; default 1,000,000. */
  max_request_values?: number;
  /** Longest string or bytes value one OTLP record may carry, in UTF-8 bytes; default 4 MiB (a longer one: the record is refused). */
  max_value_bytes?: number;
  /** When an OTLP export is answered: after its batch is committed (default) or once queued. */
  ack?: 'committed' | 'queued';
}

/**
 * Keys of the OpenTelemetry SDK environment specification and the zero-code path (`@rohas/telemetry/register`). Each
 * has an `OTEL_*` variable that wins over the file (see the core README, "Environment variables").
 */
export interface SdkConfig {
  /** OTEL_SDK_DISABLED: create no-op providers (nothing collected); reading the store (CLI, query API) still works. */
  sdk_disabled?: boolean;
  /** OTEL_TRACES_SAMPLER; default `parentbased_traceidratio` with `sampling_ratio` (OTEL_TRACES_SAMPLER_ARG). */
  sampler?: TraceSamplerName;
  /** OTEL_PROPAGATORS; default `["tracecontext", "baggage"]`. */
  propagators?: string[];
  /** OTEL_LOG_LEVEL: level of rohas-telemetry's own diagnostics on stderr; default `info`. */
  log_level?: DiagnosticLevel;
  /** Handler (`handler.execution.*`) and per-service RED metrics computed from server and consumer spans; default true. */
  derive_span_metrics?: boolean;
  /** OTEL_NODE_ENABLED_INSTRUMENTATIONS: instrumentations the register path enables (names without the package prefix; `rohas-http-server` is the lean HTTP server one). */
  instrumentations?: string[];
  /** OTEL_ATTRIBUTE_COUNT_LIMIT and the other attribute, event and link limits of the specification. */
  attribute_count_limit?: number;
  attribute_value_length_limit?: number;
  span_attribute_count_limit?: number;
  span_attribute_value_length_limit?: number;
  span_event_count_limit?: number;
  span_link_count_limit?: number;
  event_attribute_count_limit?: number;
  link_attribute_count_limit?: number;
  /** OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT / OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT (log records' attributes). */
  logrecord_attribute_count_limit?: number;
  logrecord_attribute_value_length_limit?: number;
}

/**
 * The attribute, event and link limits resolved from the `*_limit` keys with the specification's precedence and
 * defaults (128 for counts, no length limit = Infinity); limits.ts applies them to records from outside the SDK.
 */
export interface TelemetryLimits {
  spanAttributeCount: number;
  spanAttributeValueLength: number;
  spanEventCount: number;
  spanLinkCount: number;
  eventAttributeCount: number;
  linkAttributeCount: number;
  logAttributeCount: number;
  logAttributeValueLength: number;
}

/** The samplers of OTEL_TRACES_SAMPLER that the SDK builds in. */
export type TraceSamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/** OTEL_LOG_LEVEL values. */
export type DiagnosticLevel = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';
