export * from './types.js';
export { createApp, DEFAULT_MAX_BODY_BYTES, type TelemetryApp } from './app.js';
export { DEFAULT_HOST, DEFAULT_PORT, startServer } from './server.js';
export { logsFromRequest, metricsFromRequest, OtlpFormatError, spansFromRequest, type ConvertResult } from './otlp/convert.js';
export { logsToOtlpJson, metricsToOtlpJson, spansToOtlpJson, toAnyValue } from './otlp/encode.js';
export { otlpSchemaDir, otlpTypes, type OtlpTypes } from './otlp/schema.js';
export { jaegerTrace } from './jaeger.js';
export { toJsonValue } from './json.js';
export { parseDuration, parseTime } from './params.js';
