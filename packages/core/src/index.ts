export * from './types.js';
export * from './errors.js';
export * from './attributes.js';
export * from './query-support.js';
export {
  compareSpans,
  createMemoryAdapter,
  logBodyText,
  retentionCutoff,
  seriesFromPoints,
  spanMatches,
  summarizeTrace,
  type LogCursor,
  type TraceCursor,
} from './memory-adapter.js';
export { configSchema, defaultConfig, loadConfig, parseResourceAttributes, DEFAULT_BATCH, type LoadConfigOptions } from './config.js';
export { adapterPackage, knownAdapterTypes, registerAdapter, resolveAdapterFactory } from './registry.js';
export {
  backendFor,
  consoleLogger,
  openStorage,
  SIGNALS,
  type IngestOptions,
  type IngestResult,
  type OpenStorageOptions,
  type Signal,
  type TelemetryStorage,
} from './storage.js';
export { WriteQueue, type PushResult, type WriteQueueStats } from './write-queue.js';
export { hrTimeToNano, logFromReadable, pointsFromResourceMetrics, spanFromReadable } from './otel-convert.js';
export {
  addInstrumentation,
  createTelemetry,
  registerLogProcessor,
  registerProcessor,
  registerReader,
  StorageLogExporter,
  StorageLogProcessor,
  StorageMetricExporter,
  StorageSpanExporter,
  StorageSpanProcessor,
  type CreateTelemetryOptions,
  type Telemetry,
} from './telemetry.js';
export * from './handler-metrics.js';
