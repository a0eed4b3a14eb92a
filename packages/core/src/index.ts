export * from './attributes.js';
export {
  configSchema,
  DEFAULT_BATCH,
  defaultConfig,
  type LoadConfigOptions,
  loadConfig,
  parseResourceAttributes,
} from './config.js';
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
export {
  backendFor,
  consoleLogger,
  HEALTH_FAILING_MS,
  type IngestOptions,
  type IngestResult,
  type LogInput,
  type OpenStorageOptions,
  openStorage,
  SIGNALS,
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
export * from './types.js';
export * from './validate.js';
export {
  type CommitResult,
  type PushOptions,
  type PushResult,
  Refused,
  WriteQueue,
  type WriteQueueStats,
} from './write-queue.js';
