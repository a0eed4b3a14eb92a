export * from './attributes.js';
export {
  configSchema,
  DEFAULT_BATCH,
  defaultConfig,
  type LoadConfigOptions,
  loadConfig,
  parseResourceAttributes,
} from './config.js';
export { applyOtelEnvironment, LIMIT_VARIABLES } from './env-spec.js';
export * from './errors.js';
export * from './handler-metrics.js';
export {
  compareSpans,
  createMemoryAdapter,
  type LogCursor,
  logBodyText,
  pointMatches,
  retentionCutoff,
  seriesFromPoints,
  spanMatches,
  summarizeTrace,
  type TraceCursor,
} from './memory-adapter.js';
export { hrTimeToNano, logFromReadable, pointsFromResourceMetrics, spanFromReadable } from './otel-convert.js';
export * from './query-support.js';
export { adapterPackage, knownAdapterTypes, registerAdapter, resolveAdapterFactory } from './registry.js';
export { collectionOf, leveledLogger, propagatorFor, samplerFor, setDiagLevel, tracerLimitsFor } from './sdk-config.js';
export { handlerNameOf, SPAN_METRICS_BUCKETS_MS, SpanMetricsProcessor } from './span-metrics.js';
export {
  backendFor,
  consoleLogger,
  type IngestOptions,
  type IngestResult,
  type OpenStorageOptions,
  openStorage,
  SIGNALS,
  type Signal,
  type TelemetryStorage,
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
export * from './types.js';
export { splitNodeOptions, withoutPreloads, workerEnv, workerExecArgv, workerThreadOptions } from './worker-options.js';
export { type PushResult, WriteQueue, type WriteQueueStats } from './write-queue.js';
export { planInstrumentations, startZeroCode, type ZeroCodeOptions } from './zero-code.js';
