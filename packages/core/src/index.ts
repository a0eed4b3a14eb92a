/**
 * `@rohas/telemetry`: what applications use — createTelemetry and its exporters, loadConfig, the query API and its
 * types, the data model, errors, and the adapter registry. Adapter authors import `@rohas/telemetry/adapter`.
 */
export type {
  AdapterFactory,
  DiagnosticLogger,
  HealthStatus,
  RetentionResult,
  TelemetryAdapter,
} from './adapter/contract.js';
export { configSchema, DEFAULT_BATCH, defaultConfig, type LoadConfigOptions, loadConfig } from './config.js';
export { applyOtelEnvironment, LIMIT_VARIABLES } from './env-spec.js';
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
export { collectionOf, leveledLogger, propagatorFor, samplerFor, setDiagLevel, tracerLimitsFor } from './sdk-config.js';
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
export * from './validate.js';
export { splitNodeOptions, withoutPreloads, workerEnv, workerExecArgv, workerThreadOptions } from './worker-options.js';
export {
  type CommitResult,
  type PushOptions,
  type PushResult,
  Refused,
  WriteQueue,
  type WriteQueueStats,
} from './write-queue.js';
export { type InstrumentationPlan, planInstrumentations, startZeroCode, type ZeroCodeOptions } from './zero-code.js';
