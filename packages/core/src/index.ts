/**
 * `@rohas/telemetry`: what applications use — createTelemetry and its exporters and processors, loadConfig,
 * openStorage, the query API and its types, the data model, errors, the adapter registry and the zero-code start.
 * Adapter authors import `@rohas/telemetry/adapter` (the contract, reference semantics, codecs, item checks, the
 * write queue and the worker-thread helpers); nothing here is only for adapters.
 */
export type {
  AdapterFactory,
  DiagnosticLogger,
  HealthStatus,
  RetentionResult,
  TelemetryAdapter,
} from './adapter/contract.js';
export { configSchema, DEFAULT_BATCH, defaultConfig, type LoadConfigOptions, loadConfig } from './config.js';
export { ConfigError, QueryError, TelemetryError } from './errors.js';
export * from './handler-metrics.js';
export { limitLogRecord, limitSpan, limitsFromConfig, logRecordLimitsFor } from './limits.js';
export * from './model.js';
export type {
  AttributeFilter,
  AttributeOperator,
  AttributeQuery,
  Cursor,
  LogQuery,
  MetricAggregation,
  MetricDescriptor,
  MetricQuery,
  MetricSeries,
  Page,
  RawPointQuery,
  TelemetryQuery,
  TraceQuery,
  TraceSummary,
} from './query.js';
export { adapterPackage, knownAdapterTypes, registerAdapter } from './registry.js';
export { handlerNameOf, SPAN_METRICS_BUCKETS_MS, SpanMetricsProcessor } from './span-metrics.js';
export {
  consoleLogger,
  HEALTH_FAILING_MS,
  type IngestOptions,
  type IngestResult,
  type LogInput,
  type OpenStorageOptions,
  openStorage,
  type Signal,
  type SpanInput,
  type TelemetryStorage,
  TRACE_CACHE_TTL_MS,
} from './storage.js';
export {
  addInstrumentation,
  type CreateTelemetryOptions,
  createTelemetry,
  registerLogProcessor,
  registerProcessor,
  registerReader,
  StorageLogExporter,
  StorageLogProcessor,
  StorageMetricExporter,
  StorageSpanExporter,
  StorageSpanProcessor,
  type Telemetry,
} from './telemetry.js';
export type {
  BackendConfig,
  BatchConfig,
  DiagnosticLevel,
  SdkConfig,
  ServerConfig,
  SignalConfig,
  TelemetryConfig,
  TelemetryLimits,
  TraceSamplerName,
} from './types.js';
export type { CommitResult, WriteQueueStats } from './write-queue.js';
export { startZeroCode, type ZeroCodeOptions } from './zero-code.js';
