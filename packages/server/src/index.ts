export { createApp, DEFAULT_MAX_BODY_BYTES, type TelemetryApp } from './app.js';
export {
  type Batch,
  batchesFromOtlpLine,
  batchToOtlpLine,
  ingestBatch,
  readOtlpFile,
  readWindow,
  type SignalName,
  type WindowOptions,
} from './data-move.js';
export { jaegerTrace } from './jaeger.js';
export { toJsonValue } from './json.js';
export {
  type ConvertResult,
  logsFromRequest,
  metricsFromRequest,
  OtlpFormatError,
  spansFromRequest,
} from './otlp/convert.js';
export { logsToOtlpJson, metricsToOtlpJson, spansToOtlpJson, toAnyValue } from './otlp/encode.js';
export { type OtlpTypes, otlpSchemaDir, otlpTypes } from './otlp/schema.js';
export { parseDuration, parseTime } from './params.js';
export { DEFAULT_HOST, DEFAULT_PORT, startServer } from './server.js';
export * from './types.js';
